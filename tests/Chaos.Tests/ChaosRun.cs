using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace BitcoinVolume.Chaos.Tests;

/// <summary>How big and how rough a chaos run is.</summary>
public sealed record ChaosPlan(int Seed, int Trades, double Rate, int Products, int IngestKills, int AggregatorKills, int SinkKills, int WsRounds, double Disorder, TimeSpan DbOutage, TimeSpan Span)
{
    /// <summary>Whole-system restarts (every process SIGKILLed, a new development broker) after the other fault tracks.</summary>
    public int SystemRestarts { get; init; }
}

/// <summary>
/// The whole system as separate processes — development broker (in-process), Ingest.Service against
/// <see cref="StreamingCoinbase"/>, two Aggregate.Service instances, Sink.Service on SQLite — broken on purpose while
/// a known market streams through it (three fault tracks run side by side: ingest + websocket, aggregators, sink +
/// database; then the whole-system restart track: every process and the development broker stopped at once and started
/// again on a new broker with the same state folders, <see cref="ChaosPlan.SystemRestarts"/> times), then compared window
/// by window with the oracle through the HTTP API, and trades.dlq with the malformed frames the server sent.
/// </summary>
public sealed class ChaosRun(ChaosPlan plan, ITestOutputHelper output)
{
    private static readonly string[] Names = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "DOGE-USD", "ADA-USD", "LTC-USD", "AVAX-USD", "DOT-USD", "LINK-USD", "MATIC-USD", "UNI-USD"];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, int> faults = new();
    private readonly ConcurrentDictionary<string, List<double>> recoveries = new();
    private readonly ConcurrentQueue<DeadLetter> deadLetters = new();

    public async Task RunAsync()
    {
        Log($"chaos seed {plan.Seed} (replay with BV_CHAOS_SEED={plan.Seed}); plan {plan}");
        var products = Names.Take(plan.Products).ToArray();
        var market = TradeStream.Market(products, plan.Trades, plan.Span, plan.Seed);
        var oracle = WindowOracle.Compute(market);
        Log($"{market.Count} trades, {oracle.Count} windows in the oracle");

        await using var coinbase = await StreamingCoinbase.StartAsync(market, plan.Rate, plan.Disorder, plan.Seed);
        await using var harness = new PipelineHarness(output);
        var work = harness.WorkDirectory;
        var database = harness.SinkDatabase;
        var ingestEnv = new Dictionary<string, string>
        {
            ["Ingest__Source"] = "coinbase-exchange",
            ["Ingest__Live__ExchangeUrl"] = coinbase.ExchangeUrl.ToString(),
            ["Ingest__Live__RestUrl"] = coinbase.BaseUrl.ToString(),
            ["Ingest__Live__StallTimeout"] = "00:00:02",
            ["Ingest__Live__ReconnectDelay"] = "00:00:00.2",
            ["Ingest__Live__MaxReconnectDelay"] = "00:00:01",
            ["Ingest__Backfill__Delay"] = "00:00:00.5",
            ["Ingest__Backfill__RetryDelay"] = "00:00:01",
            ["Ingest__Backfill__MaxAttempts"] = "30",
            ["Ingest__Backfill__RequestsPerSecond"] = "50",
            ["Ingest__Parser__MaxFrameBytes"] = "65536",
        };
        for (var i = 0; i < products.Length; i++)
        {
            ingestEnv[$"Ingest__Products__{i}"] = products[i];
        }

        var ingest = harness.Ingest(TestPorts.FreeTcpPort(), ingestEnv);

        // Busy timeout 1 s: while the test holds the write lock, the sink's writes fail (instead of waiting 30 s).
        var sink = harness.Sink(new Dictionary<string, string>
        {
            ["ConnectionStrings__volumes"] = $"Data Source={database};Default Timeout=1",

            // Static membership: a restarted sink takes its old place in the group at once (no session timeout to wait).
            ["Sink__Kafka__group.instance.id"] = "sink",
            ["Sink__Kafka__session.timeout.ms"] = "6000",
            ["Sink__Kafka__heartbeat.interval.ms"] = "1000",
        });
        // As the AppHost with its development broker: state is kept across a broker restart (the whole-system restart track).
        var continueState = new Dictionary<string, string> { ["Aggregate__ContinueAcrossBrokerRestarts"] = "true" };
        var aggregatorA = harness.Aggregator("aggregate-a", settings: continueState);
        var aggregatorB = harness.Aggregator("aggregate-b", settings: continueState);

        sink.Start();
        aggregatorA.Start();
        aggregatorB.Start();
        ingest.Start();
        await ingest.WaitForOutputAsync("Recovered high-water marks", TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var dlq = Task.Run(() => ReadDeadLetters(harness.Kafka.BootstrapServers, stop.Token));
        // Ingest must be subscribed before the market opens: trades before its first connection are history, not its business.
        await WaitAsync(() => coinbase.Connections >= 1, TimeSpan.FromSeconds(30), "ingest to connect");
        await Task.Delay(1000);
        coinbase.Open();
        Log($"market open at {plan.Rate} trades/s; logs in {work}");

        var random = new Random(plan.Seed);
        var tracks = new[]
        {
            IngestTrackAsync(ingest, coinbase, new Random(random.Next())),
            AggregatorTrackAsync(aggregatorA, aggregatorB, new Random(random.Next())),
            SinkTrackAsync(sink, database, new Random(random.Next())),
        };
        var progress = Task.Run(async () =>
        {
            var next = clock.Elapsed + TimeSpan.FromSeconds(10);
            while (!coinbase.Finished)
            {
                await Task.Delay(100);
                if (clock.Elapsed < next)
                {
                    continue;
                }

                next += TimeSpan.FromSeconds(10);
                Log($"published {coinbase.Published}/{market.Count}, frames sent {coinbase.FramesSent}, REST requests {coinbase.RestRequests}");
            }
        });
        try
        {
            await Task.WhenAll(tracks);
            await SystemRestartTrackAsync(harness, ingest, coinbase, new Random(random.Next()));
        }
        finally
        {
            Log("fault tracks done: " + string.Join(", ", faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}")));
        }

        while (!coinbase.Finished)
        {
            await Task.Delay(100);
        }

        var streamEnded = clock.Elapsed;
        await progress;
        Log($"market closed: {market.Count} trades published; frames sent {coinbase.FramesSent} ({coinbase.DuplicatesSent} repeated, {coinbase.SwapsSent} pairs out of order), {coinbase.Connections} connections, {coinbase.RestRequests} REST requests");

        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(plan.Trades > 500_000 ? 10 : 3));
        var converged = clock.Elapsed - streamEnded;
        Log($"RESULT diff=0: all {oracle.Count} windows ({market.Count} trades) equal the oracle, {converged.TotalSeconds:F1} s after the market closed and the fault tracks ended (first comparison at or after that moment)");

        // Every malformed frame the server sent is on trades.dlq with its reason (and raw text), and nothing else is: not
        // the frames of unknown types (ignored as news).
        var sent = coinbase.MalformedSent.ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (deadLetters.Count < sent.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await Task.Delay(1000);
        await stop.CancelAsync();
        await dlq;
        var letters = deadLetters.ToList();
        Assert.Equal(sent.Select(m => m.Reason).Order(StringComparer.Ordinal), letters.Select(l => l.Reason).Order(StringComparer.Ordinal));
        foreach (var (reason, raw) in sent.Where(m => m.Reason != "oversized_frame"))
        {
            Assert.Contains(letters, l => l.Reason == reason && l.Raw == raw);
        }

        var unknown = coinbase.UnknownTypesSent.ToList();
        Assert.NotEmpty(unknown);
        Assert.DoesNotContain(letters, l => unknown.Contains(l.Raw));
        Log($"unknown types: {unknown.Count} frames sent, none on trades.dlq");
        Log($"trades.dlq: {letters.Count} records = the {sent.Count} malformed frames sent ({string.Join(", ", letters.GroupBy(l => l.Reason).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"))}); no unfilled_gap");
        Log("faults injected: " + string.Join(", ", faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}")));
        Log("recovery times (s): " + string.Join("; ", recoveries.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: n={r.Value.Count} max={r.Value.Max():F1} mean={r.Value.Average():F1}")));
        Log($"total {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>Ingest and the websocket: malformed frames, drops, skipped id ranges, stalls, and SIGKILLs of ingest.</summary>
    private async Task IngestTrackAsync(ServiceProcess ingest, StreamingCoinbase coinbase, Random random)
    {
        var kills = 0;
        for (var round = 0; round < Math.Max(plan.WsRounds, plan.IngestKills); round++)
        {
            if (round < plan.WsRounds)
            {
                await Task.Delay(random.Next(1_000, 3_000));
                var malformed = Malformed(coinbase.Products.First(), round);
                var lettered = malformed.Count(m => m.Reason != MalformedFault.Ignored);
                var before = deadLetters.Count;
                await Played(coinbase.Inject(new MalformedFault(malformed)), "malformed frames", malformed.Count);

                // Wait until ingest has dead-lettered them before anything can kill it (a frame in flight would be lost with it).
                await WaitAsync(() => deadLetters.Count >= before + lettered, TimeSpan.FromSeconds(30), "malformed frames on trades.dlq");

                await Task.Delay(random.Next(1_000, 3_000));
                await Played(coinbase.Inject(new SkipFault(random.Next(200, 3_000))), "skipped id range (REST only)");
                await Task.Delay(random.Next(1_000, 3_000));
                await Played(coinbase.Inject(new DropFault()), "websocket drop");
                await Task.Delay(random.Next(2_000, 4_000));
                await Played(coinbase.Inject(new StallFault()), "websocket stall");
            }

            if (kills < plan.IngestKills)
            {
                await Task.Delay(random.Next(3_000, 6_000));
                await ingest.KillAsync();
                kills++;
                Count("SIGKILL ingest");
                Log($"SIGKILL ingest #{kills}");
                await Task.Delay(random.Next(200, 2_000));
                await RestartAsync(ingest, "Recovered high-water marks", "ingest restart → high-water marks recovered");
            }
        }
    }

    /// <summary>
    /// The whole system stopped at once — every running process SIGKILLed, the development broker gone with its log — while
    /// the market trades on, and started again after a pause on a new broker with the same state folders and database;
    /// <see cref="ChaosPlan.SystemRestarts"/> times. Recovery: until ingest has resumed and reconnected, and the aggregator
    /// and the sink have their partitions.
    /// </summary>
    private async Task SystemRestartTrackAsync(PipelineHarness harness, ServiceProcess ingest, StreamingCoinbase coinbase, Random random)
    {
        for (var restart = 1; restart <= plan.SystemRestarts; restart++)
        {
            await Task.Delay(random.Next(1_000, 3_000));
            var open = !coinbase.Finished;
            var connections = coinbase.Connections;
            var started = clock.Elapsed;
            var processes = await harness.RestartEverythingAsync(TimeSpan.FromMilliseconds(random.Next(500, 2_000)));
            Count("whole-system restart (all processes + broker)");
            Log($"whole-system restart #{restart}: {processes.Count} processes and the development broker stopped and started again (market {(open ? "still trading" : "closed")}, {coinbase.Published} trades published)");
            await ingest.WaitForOutputAsync("Recovered high-water marks", TimeSpan.FromSeconds(120));
            await WaitAsync(() => coinbase.Connections > connections, TimeSpan.FromSeconds(120), "ingest to connect again");
            foreach (var process in processes.Where(p => p != ingest))
            {
                await process.WaitForOutputAsync(process.LogPath.EndsWith("sink.log", StringComparison.Ordinal) ? "Partitions assigned" : "Assigned partition", TimeSpan.FromSeconds(120));
            }

            Record("whole-system restart → ingest reconnected, partitions assigned", (clock.Elapsed - started).TotalSeconds);
        }
    }

    /// <summary>Two aggregators; one is lost for good early (before any trades partition can reach the broker's ~5 MiB); the other is SIGKILLed repeatedly.</summary>
    private async Task AggregatorTrackAsync(ServiceProcess survivor, ServiceProcess lost, Random random)
    {
        await lost.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(90));
        await Task.Delay(random.Next(2_000, 5_000));
        await lost.KillAsync();
        Count("aggregator lost for good");
        Log("aggregate-b SIGKILLed for good");
        for (var kill = 1; kill <= plan.AggregatorKills; kill++)
        {
            await survivor.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(90));
            await Task.Delay(random.Next(2_000, 8_000));
            await survivor.KillAsync();
            Count("SIGKILL aggregator");
            Log($"SIGKILL aggregate-a #{kill}");
            await Task.Delay(random.Next(100, 1_500));
            await RestartAsync(survivor, "Assigned partition", "aggregator restart → partitions assigned");
        }
    }

    /// <summary>The sink: SIGKILLs, and the database write-locked for <see cref="ChaosPlan.DbOutage"/> in the middle.</summary>
    private async Task SinkTrackAsync(ServiceProcess sink, string database, Random random)
    {
        await sink.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(90));
        for (var kill = 1; kill <= plan.SinkKills; kill++)
        {
            await Task.Delay(random.Next(2_000, 6_000));
            await sink.KillAsync();
            Count("SIGKILL sink");
            Log($"SIGKILL sink #{kill}");
            await Task.Delay(random.Next(100, 1_500));
            await RestartAsync(sink, "Partitions assigned", "sink restart → partitions assigned");
            if (kill == 1)
            {
                await Task.Delay(random.Next(2_000, 4_000));
                await DatabaseOutageAsync(sink, database);
            }
        }
    }

    private async Task DatabaseOutageAsync(ServiceProcess sink, string database)
    {
        var linesBefore = (await ReadSharedAsync(sink.LogPath)).Length;
        await using (var locker = new SqliteConnection($"Data Source={database};Default Timeout=30"))
        {
            await locker.OpenAsync();
            await using var begin = locker.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE;";
            await begin.ExecuteNonQueryAsync();
            Count("database write-locked 30 s");
            Log($"database locked (BEGIN EXCLUSIVE) for {plan.DbOutage.TotalSeconds:F0} s");
            await Task.Delay(plan.DbOutage);
            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var released = clock.Elapsed;
        Log("database released");
        string[] lines = [];
        await WaitAsync(() =>
        {
            lines = ReadSharedAsync(sink.LogPath).GetAwaiter().GetResult().Skip(linesBefore).ToArray();
            return lines.Any(l => l.Contains("writable again", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(60), "the sink to log that the database is writable again");
        Assert.Contains(lines, l => l.Contains("pausing consumption", StringComparison.Ordinal));
        var resumed = lines.First(l => l.Contains("writable again", StringComparison.Ordinal));
        Log($"sink paused while locked and resumed {(clock.Elapsed - released).TotalSeconds:F1} s after release: {resumed.Trim()}");
        Record("database outage → sink resumed after release", (clock.Elapsed - released).TotalSeconds);
    }

    private async Task RestartAsync(ServiceProcess service, string readyLine, string what)
    {
        var started = clock.Elapsed;
        service.Start();
        await service.WaitForOutputAsync(readyLine, TimeSpan.FromSeconds(120));
        Record(what, (clock.Elapsed - started).TotalSeconds);
    }

    private async Task Played(Task played, string kind, int count = 1)
    {
        await played.WaitAsync(TimeSpan.FromSeconds(60));
        faults.AddOrUpdate(kind, count, (_, n) => n + count);
        Log($"{kind} x{count}");
    }

    private static List<(string Reason, string Raw)> Malformed(string product, int round)
    {
        var time = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return
        [
            ("malformed_json", $"{{\"type\":\"match\",\"trade_id\":{round}"),
            ("non_positive_size", $$"""{"type":"match","trade_id":{{round + 1}},"maker_order_id":"bad{{round}}","taker_order_id":"t","side":"sell","size":"0","price":"100.5","product_id":"{{product}}","sequence":1,"time":"{{time}}"}"""),
            ("invalid_side", $$"""{"type":"match","trade_id":{{round + 1}},"maker_order_id":"bad{{round}}","taker_order_id":"t","side":"sideways","size":"1","price":"100.5","product_id":"{{product}}","sequence":1,"time":"{{time}}"}"""),
            ("unknown_type", $"{{\"product_id\":\"{product}\",\"round\":{round}}}"), // no type at all: cannot be read
            (MalformedFault.Ignored, $"{{\"type\":\"brand_new_thing_{round}\",\"product_id\":\"{product}\"}}"), // news: ignored, not dead-lettered
            ("oversized_frame", "{\"type\":\"match\",\"padding\":\"" + new string('x', 70_000 + round) + "\"}"),
        ];
    }

    private void ReadDeadLetters(string bootstrapServers, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, DeadLetter>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"chaos-dlq-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).SetValueDeserializer(ContractSerializers.DeadLetterDeserializer).Build();
        consumer.Assign(new TopicPartitionOffset(Topics.TradesDeadLetter, 0, Offset.Beginning));
        while (!stop.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
            {
                deadLetters.Enqueue(record.Message.Value);
                if (record.Message.Value.Reason == "unfilled_gap")
                {
                    Log($"UNFILLED GAP on trades.dlq: {record.Message.Value.Detail}");
                }
            }
        }
    }

    private static async Task<string[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return (await reader.ReadToEndAsync()).Split('\n');
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    private void Count(string kind) => faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private void Record(string what, double seconds)
    {
        recoveries.AddOrUpdate(what, _ => [seconds], (_, list) =>
        {
            lock (list)
            {
                list.Add(seconds);
            }

            return list;
        });
    }

    private void Log(string message)
    {
        var line = $"[{clock.Elapsed.TotalSeconds,7:F1} s] {message}";
        lock (output)
        {
            output.WriteLine(line);
        }

        Console.WriteLine(line);
    }
}
