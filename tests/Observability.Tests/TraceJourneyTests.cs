extern alias Aggregate;
extern alias Ingest;
extern alias Sink;

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace BitcoinVolume.Observability.Tests;

/// <summary>
/// The pipeline (development broker, Ingest replaying recorded frames, Aggregate, Sink) with OpenTelemetry exporting
/// every span to memory: one trade's journey is one trace — ingest's publish span is the parent of the aggregator span
/// that emitted its window, and the sink's upsert span links to that aggregator span.
/// </summary>
public class TraceJourneyTests(ITestOutputHelper output)
{
    private static readonly string RecordedFile = Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson");

    [Fact]
    public async Task A_trades_ingest_aggregate_and_sink_spans_are_linked_in_the_exported_traces()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("BitcoinVolume.*")
            .AddInMemoryExporter(spans)
            .Build();
        await using var kafka = KafkaTestCluster.Start();
        var work = Directory.CreateTempSubdirectory("bv-traces-").FullName;

        await using var sink = Host<Sink::Program>(kafka, ("ConnectionStrings:volumes", $"Data Source={Path.Combine(work, "volumes.db")}"));
        await using var aggregate = Host<Aggregate::Program>(kafka, ("Aggregate:StatePath", Path.Combine(work, "state")));
        using var sinkClient = sink.CreateClient();
        _ = aggregate.Services;
        await using var ingest = Host<Ingest::Program>(kafka, ("Ingest:Source", $"replay:{RecordedFile}"));
        _ = ingest.Services;

        // Wait until the sink has stored windows of the replay.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var products = await sinkClient.GetFromJsonAsync<JsonElement>("/api/products", timeout.Token);
            if (products.GetArrayLength() >= 10 && Completed(spans).Any(s => s.Source.Name == "BitcoinVolume.Sink"))
            {
                break;
            }

            await Task.Delay(500, timeout.Token);
        }

        tracing.ForceFlush();
        var done = Completed(spans);
        var published = done.Where(s => s.Source.Name == "BitcoinVolume.Ingest" && s.Kind == ActivityKind.Producer).ToList();
        var emitted = done.Where(s => s.Source.Name == "BitcoinVolume.Aggregate").ToList();
        var upserts = done.Where(s => s.Source.Name == "BitcoinVolume.Sink").ToList();
        output.WriteLine($"{published.Count} ingest, {emitted.Count} aggregate, {upserts.Count} sink spans");
        Assert.Equal(107, published.Count); // one per trade of the recording

        // Follow one trade: ingest span → (parent of) aggregator emit span → (linked from) sink upsert span.
        var journeys = (
            from trade in published
            join window in emitted on trade.SpanId equals window.ParentSpanId
            from upsert in upserts
            where upsert.Links.Any(l => l.Context.SpanId == window.SpanId && l.Context.TraceId == window.TraceId)
            select (trade, window, upsert)).ToList();
        Assert.NotEmpty(journeys);
        var (t, w, u) = journeys[0];
        Assert.Equal(t.TraceId, w.TraceId);
        output.WriteLine($"trade {t.GetTagItem("bitcoinvolume.product")} #{t.GetTagItem("bitcoinvolume.trade_id")} trace {t.TraceId}: " +
            $"ingest {t.SpanId} → aggregate {w.SpanId} ({w.GetTagItem("bitcoinvolume.window")}) → sink {u.SpanId}");

        // Every emitted window value continues the trace of a trade that changed it.
        Assert.All(emitted, e => Assert.Contains(published, p => p.SpanId == e.ParentSpanId));
    }

    private static List<Activity> Completed(List<Activity> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    private static WebApplicationFactory<T> Host<T>(KafkaTestCluster kafka, params (string Key, string Value)[] settings)
        where T : class =>
        new WebApplicationFactory<T>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers);
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
}
