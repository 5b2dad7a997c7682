using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// Unreadable records on <c>trades</c> (not JSON, not an object, fields missing, of the wrong type or out of range,
/// truncated, not UTF-8, a tombstone), interleaved with thousands of good trades on the partitions of real streams, through
/// the real aggregator process over the development broker: each one is dead-lettered to <c>trades.dlq</c> exactly once
/// (reason <c>unreadable_trade_record</c>, a detail naming the problem, its source offset and its raw text), no good trade
/// is, the aggregator keeps running and commits past them (also where a bad record is the newest on its partition), logs
/// them once per loop, and the newest value of every window on <c>volumes.1m</c> equals the oracle over the good trades.
/// </summary>
public class UnreadableTradeRecordTests(ITestOutputHelper output)
{
    private const string Reason = "unreadable_trade_record";
    private const int Loops = 2;

    private static readonly int Partitions = Topics.All.Single(t => t.Name == Topics.Trades).Partitions;

    [Fact]
    public async Task Unreadable_trade_records_are_dead_lettered_once_and_never_stop_or_change_the_aggregation()
    {
        var (arrival, distinct) = TradeStream.Generate(4_000, 6, TimeSpan.FromMinutes(10), seed: 1717);
        var products = distinct.Select(t => t.Product).Distinct().Order(StringComparer.Ordinal).ToList();
        var bad = BadRecords(products);
        await using var harness = new PipelineHarness(output);
        var aggregator = harness.Aggregator("aggregate", settings: new Dictionary<string, string> { ["Aggregate__Loops"] = $"{Loops}" });
        aggregator.Start();
        await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));

        // Good trades and bad records alternate, the aggregator consuming as they come: a segment of good trades, one bad
        // record, ..., the last record produced is a bad one.
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = harness.Kafka.BootstrapServers, Acks = Acks.All }).Build();
        var sources = new Dictionary<string, BadRecord>(StringComparer.Ordinal);
        var segment = (arrival.Count + bad.Count - 1) / bad.Count;
        var good = 0;
        for (var i = 0; i < bad.Count; i++)
        {
            var trades = arrival.Skip(i * segment).Take(segment).ToList();
            await harness.ProduceAsync(trades, TimeSpan.Zero, CancellationToken.None);
            good += trades.Count;
            var delivered = await producer.ProduceAsync(Topics.Trades, new Message<string, byte[]> { Key = bad[i].Key, Value = bad[i].Value! });
            sources.Add(delivered.TopicPartitionOffset.ToString(), bad[i]);
            output.WriteLine($"bad record {i} ({bad[i].Problem}) at {delivered.TopicPartitionOffset}");
        }

        Assert.Equal(arrival.Count, good);

        // The aggregator gets through all of it: its group commits the end of the log on every partition, and it runs on.
        var ends = Enumerable.Range(0, Partitions).ToDictionary(p => p, p => harness.Kafka.Watermarks(Topics.Trades, p).High);
        await GroupCommits.WaitForAsync(harness, "aggregate", ends.Where(e => e.Value > 0).ToDictionary(), TimeSpan.FromSeconds(60), output);
        Assert.True(aggregator.IsRunning, $"the aggregator exited (log: {aggregator.LogPath})");

        // trades.dlq holds each bad record exactly once (its source offset, raw text and problem) and nothing else: no good trade.
        var letters = harness.Kafka.ReadAll(Topics.TradesDeadLetter, bad.Count, ContractSerializers.DeadLetterDeserializer, TimeSpan.FromSeconds(30), settle: TimeSpan.FromSeconds(3));
        foreach (var (_, letter) in letters)
        {
            output.WriteLine($"dead letter {letter.Source}: {letter.Detail}");
        }

        Assert.Equal(bad.Count, letters.Count);
        Assert.Equal(sources.Keys.Order(StringComparer.Ordinal), letters.Select(l => l.Value.Source).Order(StringComparer.Ordinal));
        foreach (var (key, letter) in letters)
        {
            var record = sources[letter.Source];
            Assert.Equal(Reason, key);
            Assert.Equal(Reason, letter.Reason);
            Assert.Equal(record.Raw, letter.Raw);
            Assert.Contains(record.Problem, letter.Detail, StringComparison.Ordinal);
        }

        // Logged once per loop at most, not once per record.
        var warnings = (await File.ReadAllLinesAsync(aggregator.LogPath)).Count(l => l.Contains("Unreadable record on trades", StringComparison.Ordinal));
        Assert.InRange(warnings, 1, Loops);

        // The newest value of every window is the oracle's over the good trades alone (no gap markers: version 2 × trades + final).
        var oracle = WindowOracle.Compute(distinct).Values.Select(w => w.ToWindowVolume(version: 0, final: false)).ToDictionary(w => w.Key, StringComparer.Ordinal);
        var newest = NewestWindows(harness);
        Assert.Equal(oracle.Keys.Order(StringComparer.Ordinal), newest.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, window) in newest)
        {
            Assert.Equal(oracle[key], window with { Version = 0, Final = false });
            Assert.Equal(WindowVolume.VersionOf(window.Trades, window.Final), window.Version);
        }

        output.WriteLine($"{arrival.Count} good records ({distinct.Count} distinct trades), {bad.Count} bad; {letters.Count} dead letters, {newest.Count} windows equal the oracle; {warnings} warning(s) logged");
        Assert.True(aggregator.IsRunning, $"the aggregator exited (log: {aggregator.LogPath})");
    }

    /// <summary>
    /// The bad records, keyed like the streams' trades (cycling over <paramref name="products"/>), each with the text its
    /// dead letter's detail must contain. The trade-shaped ones are a valid trade (<see cref="Template"/>, a new id inside a
    /// window of that stream) with one thing wrong, so counting one would change a window.
    /// </summary>
    private static List<BadRecord> BadRecords(IReadOnlyList<string> products)
    {
        string Key(int i) => StreamKey.Of(Venues.Coinbase, products[i % products.Count]);
        string Trade(int i, string? tradeId = null, string? time = null, string? price = null, string? size = null, string? side = null, string? product = null) =>
            Template(product ?? $"\"{products[i % products.Count]}\"", tradeId ?? $"{9_000_001 + i}", time ?? $"\"{TradeStream.Start.AddMinutes(1 + i % 8):yyyy-MM-ddTHH:mm:ss.fffZ}\"", price ?? "100.25", size ?? "0.5", side ?? "\"buy\"");

        // The template itself is a valid trade: each bad one is bad for the one reason it names.
        for (var i = 0; i < products.Count; i++)
        {
            var valid = ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(Trade(i)), false, new SerializationContext(MessageComponentType.Value, Topics.Trades));
            Assert.Equal((products[i], 9_000_001L + i, 0.5m), (valid.Product, valid.TradeId, valid.Size));
        }

        List<(string Raw, string Problem)> texts =
        [
            ("not json", "is an invalid JSON literal"),
            ("[]", "must be a JSON object"),
            ("{}", "product is missing"),
            (Trade(3, size: "-0.5"), "field size is -0.5, not positive"),
            (Trade(4, side: "\"hold\""), "field side is \"hold\", not \"buy\" or \"sell\""),
            (Trade(5, tradeId: "\"9000006\""), "field tradeId is a JSON String, not a Number"),
            (Trade(6)[..(Trade(6).Length / 2)], "reached end of data"),
            (Trade(7, price: "0"), "field price is 0, not positive"),
            (Trade(8, tradeId: "9000009.5"), "field tradeId is not a 64-bit integer"),
            (Trade(9, time: "\"yesterday\""), "field time is not an ISO 8601"),
            (Trade(10, product: "\"\""), "field product is empty"),
            (Trade(11) + Trade(11), "is invalid after a single JSON value"),
        ];
        var records = texts.Select((t, i) => new BadRecord(Key(i), Encoding.UTF8.GetBytes(t.Raw), t.Raw, t.Problem)).ToList();

        // A tombstone (null value): dead-lettered with an empty raw text.
        records.Insert(6, new BadRecord(Key(12), null, string.Empty, "null Trade value"));

        // A product that is not UTF-8 (byte 0xFF): the raw text is what UTF-8 decoding makes of it (U+FFFD for the byte).
        var notUtf8 = Encoding.UTF8.GetBytes(Trade(13, product: "\"P0?-USD\"")).Select(b => b == (byte)'?' ? (byte)0xFF : b).ToArray();
        records.Insert(9, new BadRecord(Key(13), notUtf8, Encoding.UTF8.GetString(notUtf8), "unreadable value"));
        return records;
    }

    /// <summary>A trade record as the writers produce it, every field's JSON given as is.</summary>
    private static string Template(string product, string tradeId, string time, string price, string size, string side) =>
        $$"""{"product":{{product}},"tradeId":{{tradeId}},"time":{{time}},"price":{{price}},"size":{{size}},"side":{{side}},"venue":"coinbase"}""";

    /// <summary>The value with the highest version of every key on <c>volumes.1m</c>, read to the end of every partition.</summary>
    private static Dictionary<string, WindowVolume> NewestWindows(PipelineHarness harness)
    {
        var partitions = Topics.All.Single(t => t.Name == Topics.Volumes1m).Partitions;
        var count = Enumerable.Range(0, partitions).Select(p => harness.Kafka.Watermarks(Topics.Volumes1m, p)).Sum(w => w.High - w.Low);
        var records = harness.Kafka.ReadAll(Topics.Volumes1m, (int)count, ContractSerializers.WindowDeserializer, TimeSpan.FromSeconds(30));
        Assert.Equal(count, records.Count);
        return records.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Value.Version).Value, StringComparer.Ordinal);
    }

    /// <summary>A bad record: its key, its value as produced (null: a tombstone), its text and what its dead letter's detail names.</summary>
    private sealed record BadRecord(string Key, byte[]? Value, string Raw, string Problem);
}
