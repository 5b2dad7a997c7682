using System.Reflection;
using System.Runtime.InteropServices;

namespace BitcoinVolume.DevBroker.Native;

/// <summary>
/// P/Invoke declarations for the parts of librdkafka (and its experimental mock cluster API, <c>rdkafka_mock.h</c>)
/// that the development broker uses, plus the native library resolution.
/// </summary>
/// <remarks>
/// The generic <c>librdkafka.so</c> from the <c>librdkafka.redist</c> package does not load on Debian 12
/// (<c>libsasl2.so.3</c> is missing); the statically linked <c>centos8-librdkafka.so</c> does, and it is the
/// same file Confluent.Kafka loads. <see cref="EnsureLoaded"/> resolves it once and registers a
/// <see cref="DllImportResolver"/> for this assembly that hands the same handle to every import below.
/// </remarks>
internal static unsafe partial class LibRdKafka
{
    private const string LibraryName = "librdkafka";

    public const int ProducerType = 0; // RD_KAFKA_PRODUCER
    public const int ConfOk = 0; // RD_KAFKA_CONF_OK
    public const int NoError = 0; // RD_KAFKA_RESP_ERR_NO_ERROR

    private static readonly Lock Gate = new();
    private static IntPtr handle;
    private static string? loadedPath;

    /// <summary>The file the native library was loaded from (after <see cref="EnsureLoaded"/>).</summary>
    public static string? LoadedPath => loadedPath;

    /// <summary>Loads librdkafka (once) or throws a <see cref="DllNotFoundException"/> that lists every attempt.</summary>
    public static string EnsureLoaded()
    {
        lock (Gate)
        {
            if (handle != IntPtr.Zero)
            {
                return loadedPath!;
            }

            var failures = new List<string>();
            foreach (var candidate in Candidates())
            {
                if (candidate.IsPath && !File.Exists(candidate.Name))
                {
                    failures.Add($"{candidate.Name}: not found");
                    continue;
                }

                try
                {
                    var loaded = candidate.IsPath
                        ? NativeLibrary.Load(candidate.Name)
                        : NativeLibrary.Load(candidate.Name, typeof(LibRdKafka).Assembly, DllImportSearchPath.SafeDirectories);
                    if (!NativeLibrary.TryGetExport(loaded, "rd_kafka_mock_cluster_new", out _))
                    {
                        failures.Add($"{candidate.Name}: loaded, but it has no mock cluster API (rd_kafka_mock_cluster_new)");
                        continue;
                    }

                    handle = loaded;
                    loadedPath = candidate.Name;
                    NativeLibrary.SetDllImportResolver(typeof(LibRdKafka).Assembly, Resolve);
                    return loadedPath;
                }
                catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
                {
                    failures.Add($"{candidate.Name}: {ex.Message}");
                }
            }

            throw new DllNotFoundException(
                $"The development broker could not load librdkafka for {RuntimeInformation.RuntimeIdentifier} " +
                $"({RuntimeInformation.OSDescription}). It looks for the files of the librdkafka.redist package under " +
                $"'{AppContext.BaseDirectory}runtimes/<rid>/native/' (on glibc Linux x64: centos8-librdkafka.so, because the " +
                "generic librdkafka.so needs libsasl2.so.3). Tried:" + Environment.NewLine + "  " +
                string.Join(Environment.NewLine + "  ", failures));
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? handle : IntPtr.Zero;

    private readonly record struct Candidate(string Name, bool IsPath);

    private static IEnumerable<Candidate> Candidates()
    {
        var directories = new List<string> { AppContext.BaseDirectory };
        if (Path.GetDirectoryName(typeof(LibRdKafka).Assembly.Location) is { Length: > 0 } assemblyDirectory
            && !directories.Contains(assemblyDirectory, StringComparer.Ordinal)
            && !directories.Contains(assemblyDirectory + Path.DirectorySeparatorChar, StringComparer.Ordinal))
        {
            directories.Add(assemblyDirectory);
        }

        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        (string Rid, string[] Files)[] layouts;
        if (OperatingSystem.IsLinux())
        {
            layouts = IsMusl()
                ? [($"linux-{arch}", ["alpine-librdkafka.so", "librdkafka.so"]), ($"linux-musl-{arch}", ["librdkafka.so"])]
                : [($"linux-{arch}", ["centos8-librdkafka.so", "librdkafka.so"])];
        }
        else if (OperatingSystem.IsMacOS())
        {
            layouts = [($"osx-{arch}", ["librdkafka.dylib"])];
        }
        else if (OperatingSystem.IsWindows())
        {
            layouts = [($"win-{arch}", ["librdkafka.dll"])];
        }
        else
        {
            layouts = [];
        }

        foreach (var directory in directories)
        {
            foreach (var (rid, files) in layouts)
            {
                foreach (var file in files)
                {
                    yield return new(Path.Combine(directory, "runtimes", rid, "native", file), IsPath: true);
                }
            }

            // A RID-specific publish flattens runtimes/<rid>/native into the application directory.
            foreach (var file in layouts.SelectMany(l => l.Files).Distinct(StringComparer.Ordinal))
            {
                yield return new(Path.Combine(directory, file), IsPath: true);
            }
        }

        // Last resort: whatever the operating system finds (e.g. a distribution package).
        yield return new(LibraryName, IsPath: false);
    }

    private static bool IsMusl()
    {
        try
        {
            return Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // rdkafka.h

    [LibraryImport(LibraryName)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_conf_set_opaque(IntPtr conf, IntPtr opaque);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_conf_set_log_cb(
        IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, void> logCallback);

    [LibraryImport(LibraryName)]
    public static partial IntPtr rd_kafka_opaque(IntPtr rk);

    [LibraryImport(LibraryName)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(LibraryName)]
    public static partial byte* rd_kafka_err2str(int err);

    [LibraryImport(LibraryName)]
    public static partial byte* rd_kafka_version_str();

    // rdkafka_mock.h

    [LibraryImport(LibraryName)]
    public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

    [LibraryImport(LibraryName)]
    public static partial byte* rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_set_controller_id(IntPtr mcluster, int controllerId);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rd_kafka_mock_broker_set_host_port(IntPtr mcluster, int brokerId, string host, int port);

    public static string? ToManagedString(byte* value) => value is null ? null : Marshal.PtrToStringUTF8((IntPtr)value);

    public static string ErrorText(int err) => ToManagedString(rd_kafka_err2str(err)) ?? $"error {err}";
}
