using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BitcoinVolume.DevBroker.Native;

/// <summary>
/// A librdkafka mock cluster with one broker, owned by an otherwise idle producer handle. librdkafka's own log
/// lines (mock cluster included) are forwarded to an <see cref="ILogger"/>.
/// </summary>
internal sealed unsafe class MockCluster : IDisposable
{
    private const int ErrorBufferSize = 512;

    private readonly Lock gate = new();
    private IntPtr rk;
    private IntPtr mcluster;
    private GCHandle loggerHandle;

    private MockCluster(IntPtr rk, IntPtr mcluster, GCHandle loggerHandle, string bootstraps)
    {
        this.rk = rk;
        this.mcluster = mcluster;
        this.loggerHandle = loggerHandle;
        Bootstraps = bootstraps;
    }

    /// <summary>The mock's own listener(s), as librdkafka reports them (<c>127.0.0.1:RANDOM</c>).</summary>
    public string Bootstraps { get; }

    public static string Version => LibRdKafka.ToManagedString(LibRdKafka.rd_kafka_version_str()) ?? "unknown";

    /// <summary>Creates the producer handle and a mock cluster with <paramref name="brokerCount"/> brokers on it.</summary>
    public static MockCluster Create(int brokerCount, ILogger logger)
    {
        var loggerHandle = GCHandle.Alloc(logger);
        var conf = LibRdKafka.rd_kafka_conf_new();
        var rk = IntPtr.Zero;
        try
        {
            Set(conf, "client.id", "bitcoinvolume-devbroker");
            LibRdKafka.rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(loggerHandle));
            LibRdKafka.rd_kafka_conf_set_log_cb(conf, &OnLog);

            var error = stackalloc byte[ErrorBufferSize];
            rk = LibRdKafka.rd_kafka_new(LibRdKafka.ProducerType, conf, error, ErrorBufferSize);
            if (rk == IntPtr.Zero)
            {
                // On failure the configuration is still ours: the catch below destroys it.
                throw new InvalidOperationException($"rd_kafka_new failed: {LibRdKafka.ToManagedString(error)}");
            }

            // rd_kafka_new owns the configuration from here on.
            conf = IntPtr.Zero;

            var mcluster = LibRdKafka.rd_kafka_mock_cluster_new(rk, brokerCount);
            if (mcluster == IntPtr.Zero)
            {
                throw new InvalidOperationException(
                    "rd_kafka_mock_cluster_new failed (see the librdkafka log lines above for the reason).");
            }

            var bootstraps = LibRdKafka.ToManagedString(LibRdKafka.rd_kafka_mock_cluster_bootstraps(mcluster));
            if (string.IsNullOrEmpty(bootstraps))
            {
                LibRdKafka.rd_kafka_mock_cluster_destroy(mcluster);
                throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned nothing.");
            }

            return new MockCluster(rk, mcluster, loggerHandle, bootstraps);
        }
        catch
        {
            if (conf != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_conf_destroy(conf);
            }

            if (rk != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_destroy(rk);
            }

            loggerHandle.Free();
            throw;
        }
    }

    /// <summary>Sets the controller id reported in Metadata responses (without one, admin/metadata calls hang ~60 s).</summary>
    public void SetControllerId(int brokerId) => LibRdKafka.rd_kafka_mock_set_controller_id(Cluster, brokerId);

    /// <summary>The broker setting <c>group.initial.rebalance.delay.ms</c> for every (classic protocol) group.</summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay) =>
        LibRdKafka.rd_kafka_mock_group_initial_rebalance_delay_ms(Cluster, (int)delay.TotalMilliseconds);

    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        var err = LibRdKafka.rd_kafka_mock_topic_create(Cluster, name, partitions, replicationFactor);
        if (err != LibRdKafka.NoError)
        {
            throw new InvalidOperationException(
                $"The mock cluster could not create topic '{name}' with {partitions} partition(s): {LibRdKafka.ErrorText(err)}");
        }
    }

    /// <summary>Changes the host and port the broker advertises in Metadata responses (its listener stays where it is).</summary>
    public void SetBrokerHostPort(int brokerId, string host, int port) =>
        LibRdKafka.rd_kafka_mock_broker_set_host_port(Cluster, brokerId, host, port);

    public void Dispose()
    {
        lock (gate)
        {
            if (mcluster != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_mock_cluster_destroy(mcluster);
                mcluster = IntPtr.Zero;
            }

            if (rk != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_destroy(rk);
                rk = IntPtr.Zero;
            }

            // Only after rd_kafka_destroy: librdkafka may log until then.
            if (loggerHandle.IsAllocated)
            {
                loggerHandle.Free();
            }
        }
    }

    private IntPtr Cluster
    {
        get
        {
            var value = mcluster;
            ObjectDisposedException.ThrowIf(value == IntPtr.Zero, this);
            return value;
        }
    }

    private static void Set(IntPtr conf, string name, string value)
    {
        var error = stackalloc byte[ErrorBufferSize];
        if (LibRdKafka.rd_kafka_conf_set(conf, name, value, error, ErrorBufferSize) != LibRdKafka.ConfOk)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set({name}={value}) failed: {LibRdKafka.ToManagedString(error)}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(IntPtr rk, int level, byte* facility, byte* message)
    {
        // Called on librdkafka's threads: never let an exception escape into native code.
        try
        {
            var opaque = LibRdKafka.rd_kafka_opaque(rk);
            if (opaque == IntPtr.Zero || GCHandle.FromIntPtr(opaque).Target is not ILogger logger)
            {
                return;
            }

            // syslog levels: 0-3 emerg..err, 4 warning, 5 notice, 6 info, 7 debug.
            var logLevel = level switch
            {
                <= 3 => LogLevel.Error,
                4 => LogLevel.Warning,
                5 => LogLevel.Information,
                6 => LogLevel.Debug,
                _ => LogLevel.Trace,
            };
            var facilityText = LibRdKafka.ToManagedString(facility);
            var messageText = LibRdKafka.ToManagedString(message);

            // The handle that owns the mock is never meant to connect anywhere: its "no bootstrap.servers" warning is expected.
            if (facilityText == "CONFWARN" && messageText?.Contains("bootstrap.servers", StringComparison.Ordinal) == true)
            {
                logLevel = LogLevel.Debug;
            }

            if (logger.IsEnabled(logLevel))
            {
                DevBrokerLog.Librdkafka(logger, logLevel, facilityText, messageText);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Logging must not take the broker down.
        }
    }

}
