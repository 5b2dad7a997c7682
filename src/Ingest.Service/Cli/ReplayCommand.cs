using System.Collections.Concurrent;
using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Kafka;
using Confluent.Kafka;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace BitcoinVolume.Ingest.Cli;

/// <summary>
/// <c>replay PATH [--kafka HOST:PORT] [--pace full|recorded] [--speed X] [--products A,B]</c>: replays a recording (file,
/// folder or glob; raw Coinbase lines or cryptofeed format 2, ours included, mixed as they come) into Kafka through the
/// same processor as the service (parse, dedup, produce, dead-letter) — one parser and gate per venue, so dedup is per
/// (venue, product) — with a Spectre.Console progress bar (frames/s, ETA), then a summary (totals, and per venue for
/// a multi-venue recording, with the connections no registered venue serves). Runs before any web host is built; exit code 0 when
/// Kafka acknowledged everything, 1 when it rejected messages, 2 for bad arguments.
/// </summary>
public static class ReplayCommand
{
    public const string Usage =
        "usage: replay PATH [--kafka HOST:PORT] [--pace full|recorded] [--speed X] [--products A,B] [--max-frame-bytes N]\n" +
        "  PATH   a recording: file, folder (its *.ndjson and *.jsonl files) or glob (e.g. 'rec/frames-*.ndjson'); raw or cryptofeed format 2\n" +
        "  --kafka  bootstrap servers (default: $ConnectionStrings__kafka, else 127.0.0.1:9092)\n" +
        "  --pace   full (default) or recorded (receive times: format 2's ts, or an old raw recording's .times sidecar); --speed divides the recorded pace";

    /// <summary>True when <paramref name="args"/> ask for a command-line command rather than the service.</summary>
    public static bool Matches(string[] args) => args is ["replay", ..];

    /// <summary>Runs the command on the process console; Ctrl+C stops it.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await RunAsync(args, AnsiConsole.Console, cancel.Token).ConfigureAwait(false);
    }

    /// <summary>Runs the command; <paramref name="addVenues"/> registers further venues (tests: venues whose adapters are not in the service).</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken, Action<IServiceCollection>? addVenues = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        if (!TryParse(args, out var settings, out var error))
        {
            console.MarkupLineInterpolated($"[red]{error}[/]");
            console.WriteLine(Usage);
            return 2;
        }

        IReadOnlyList<string> files;
        try
        {
            files = ReplayFileSource.ResolveFiles(settings.Path);
        }
        catch (FileNotFoundException e)
        {
            console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 2;
        }


        try
        {
            // On a real cluster the topics may be missing; the development broker has them all (no call is made then).
            var created = await KafkaTopicProvisioner.EnsureTopicsAsync(KafkaClientSettings.ForBootstrapServers(settings.Kafka), Topics.All, cancellationToken).ConfigureAwait(false);
            if (created.Count > 0)
            {
                console.MarkupLineInterpolated($"Created Kafka topics: {string.Join(", ", created)}");
            }
        }
        catch (KafkaException e)
        {
            console.MarkupLineInterpolated($"[red]Kafka at {settings.Kafka} is not usable: {e.Message}[/]");
            return 1;
        }

        var logs = new CollectingLoggerProvider();

        // The command reads no configuration: the venues get their defaults (only the recording's parsers are used here).
        var collection = new ServiceCollection().AddMetrics().AddLogging(b => b.AddProvider(logs))
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddIngestVenues();
        addVenues?.Invoke(collection);
        using var services = collection.BuildServiceProvider();
        var registry = services.GetRequiredService<VenueRegistry>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var time = TimeProvider.System;
        var metrics = new IngestMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var status = new IngestStatus();
        var parserOptions = new FrameParserOptions { MaxFrameBytes = settings.MaxFrameBytes };
        using var publisher = new TradePublisher(settings.Kafka, new KafkaProducerOptions(), metrics, loggers.CreateLogger<TradePublisher>(), time);
        var reporter = new GapReporter(metrics, status, loggers.CreateLogger<GapReporter>(), time);
        var replayOptions = new ReplayOptions { Pace = settings.Pace, Speed = settings.Speed };
        IFrameSource source;
        long total;
        if (CryptofeedRecordingSource.AnyRecording(files))
        {
            var recording = new CryptofeedRecordingSource(settings.Path, registry.Venues, replayOptions, time, loggers.CreateLogger<CryptofeedRecordingSource>(), settings.MaxFrameBytes);
            try
            {
                await recording.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                console.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return 2;
            }

            (source, total) = (recording, recording.FrameCount);
        }
        else
        {
            source = new ReplayFileSource(settings.Path, replayOptions, time, loggers.CreateLogger<ReplayFileSource>(), settings.MaxFrameBytes);
            total = await ReplayFileSource.CountFramesAsync(files, cancellationToken).ConfigureAwait(false);
        }

        console.MarkupLineInterpolated($"Replaying [bold]{total:N0}[/] frames from {files.Count} file(s) into Kafka at [bold]{settings.Kafka}[/] ({settings.Pace} pace)");

        // One parser and gate per venue: dedup and gaps per (venue, product); a venue's symbols from the recording's instrument lists.
        var lanes = new Dictionary<string, FrameProcessor>(StringComparer.Ordinal);
        FrameProcessor LaneOf(string? id)
        {
            id ??= registry.Resolve(new SourceSpec(SourceKind.Replay, null, settings.Path)).Venue.Id;
            if (!lanes.TryGetValue(id, out var lane))
            {
                var venue = registry.Get(id);
                var symbols = SymbolMap.ForProducts(venue, settings.Products ?? (IEnumerable<string>)[]);
                if (source is IMultiVenueSource multi && multi.Instruments.TryGetValue(id, out var instruments))
                {
                    symbols.AddRange(instruments);
                }

                var gate = new TradeGate(new GapOptions(), GapMode.Track, long.MaxValue, reporter, time);
                lanes[id] = lane = new FrameProcessor(venue.CreateParser(parserOptions, time, symbols), gate, publisher, reporter, metrics, status,
                    loggers.CreateLogger("replay"), time, settings.Products);
            }

            return lane;
        }

        var started = time.GetTimestamp();
        var cancelled = false;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new FramesPerSecondColumn(),
                new RemainingTimeColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("replay", maxValue: Math.Max(1, total));
                var pending = 0;
                try
                {
                    await foreach (var frame in source.ReadFramesAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await LaneOf(frame.Venue).ProcessAsync(frame, cancellationToken).ConfigureAwait(false);
                        if (++pending == 256)
                        {
                            task.Increment(pending);
                            pending = 0;
                        }
                    }

                    task.Increment(pending);
                    task.Description = "flushing";
                    await Task.Run(() => publisher.Flush(cancellationToken), cancellationToken).ConfigureAwait(false);
                    task.Description = "done";
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    task.Description = "cancelled";
                }

                task.StopTask();
            }).ConfigureAwait(false);

        var elapsed = time.GetElapsedTime(started);
        var all = lanes.Values.ToList();
        long Sum(Func<FrameProcessor, long> count) => all.Sum(count);
        var table = new Table().AddColumns("what", "count");
        table.AddRow("frames", Count(Sum(p => p.Frames)));
        table.AddRow("trades produced", Count(Sum(p => p.Trades)));
        table.AddRow("duplicates dropped", Count(Sum(p => p.Duplicates)));
        table.AddRow("non-trade frames", Count(Sum(p => p.Ignored + p.Heartbeats)));
        table.AddRow("dead-lettered", Count(Sum(p => p.Invalid)));
        table.AddRow("other products", Count(Sum(p => p.FilteredOut)));
        table.AddRow("Kafka acknowledged", Count(publisher.Delivered));
        table.AddRow("Kafka rejected", Count(publisher.DeliveryErrors));
        console.Write(table);
        if (source is IMultiVenueSource)
        {
            var byVenue = new Table().AddColumns("venue", "frames", "trades", "duplicates", "non-trade", "dead-lettered", "other products");
            foreach (var (id, p) in lanes.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                byVenue.AddRow(id, Count(p.Frames), Count(p.Trades), Count(p.Duplicates), Count(p.Ignored + p.Heartbeats), Count(p.Invalid), Count(p.FilteredOut));
            }

            console.Write(byVenue);
        }

        if (source is CryptofeedRecordingSource { Unserved.Count: > 0 } recorded)
        {
            foreach (var skipped in recorded.Unserved)
            {
                console.MarkupLineInterpolated($"skipped: {skipped.Frames:N0} frames of connection {skipped.Conn} ({skipped.Addr}) in {System.IO.Path.GetFileName(skipped.File)}: no registered venue serves it");
            }
        }

        var frames = Sum(p => p.Frames);
        console.MarkupLineInterpolated($"{frames:N0} frames in {elapsed.TotalSeconds:F1} s ({frames / Math.Max(elapsed.TotalSeconds, 0.001):N0} frames/s)");
        foreach (var line in logs.Lines)
        {
            console.WriteLine(line);
        }

        return cancelled ? 130 : publisher.DeliveryErrors == 0 ? 0 : 1;
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private sealed record Settings(string Path, string Kafka, ReplayPace Pace, double Speed, IReadOnlySet<string>? Products, int MaxFrameBytes);

    private static bool TryParse(string[] args, out Settings settings, out string error)
    {
        settings = null!;
        error = string.Empty;
        if (args.Length < 2 || args[0] != "replay" || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            error = "replay needs a PATH";
            return false;
        }

        var kafka = Environment.GetEnvironmentVariable("ConnectionStrings__kafka") is { Length: > 0 } env ? env : "127.0.0.1:9092";
        var pace = ReplayPace.Full;
        var speed = 1d;
        IReadOnlySet<string>? products = null;
        var maxFrameBytes = new FrameParserOptions().MaxFrameBytes;
        for (var i = 2; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = value is not null;
            switch (args[i])
            {
                case "--kafka" when ok:
                    kafka = value!;
                    break;
                case "--pace" when ok:
                    ok = Enum.TryParse(value, ignoreCase: true, out pace);
                    break;
                case "--speed" when ok:
                    ok = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out speed) && speed > 0;
                    break;
                case "--products" when ok:
                    products = value!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    break;
                case "--max-frame-bytes" when ok:
                    ok = int.TryParse(value, CultureInfo.InvariantCulture, out maxFrameBytes) && maxFrameBytes > 0;
                    break;
                default:
                    error = $"unknown option '{args[i]}'";
                    return false;
            }

            if (!ok)
            {
                error = $"bad value for {args[i]}: '{value}'";
                return false;
            }

            i++;
        }

        settings = new Settings(System.IO.Path.GetFullPath(args[1]), kafka, pace, speed, products, maxFrameBytes);
        return true;
    }

    /// <summary>Frames per second, from the task's own speed estimate.</summary>
    private sealed class FramesPerSecondColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:N0} frames/s"));
    }

    /// <summary>Keeps warnings and errors (at most 100) to print after the progress bar, which console logging would garble.</summary>
    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> lines = new();

        public IEnumerable<string> Lines => lines;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CollectingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel) && owner.lines.Count < 100)
                {
                    owner.lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
