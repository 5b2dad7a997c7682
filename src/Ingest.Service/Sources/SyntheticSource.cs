using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// Parameters of <c>synthetic:products=N,rate=R,seed=S,count=C,start=ISO|now,span=DURATION,heartbeats=true</c> (any subset, any order).
/// </summary>
/// <param name="Products">Number of products (the first are real names: BTC-USD, ETH-USD, …; then SYN0011-USD, …).</param>
/// <param name="Rate">Trades per second of wall-clock time (0 = as fast as the pipeline takes them); also the spacing of the trades' event times.</param>
/// <param name="Seed">Seed: the same seed gives byte-identical frames.</param>
/// <param name="Count">Trades to generate (0 = endless).</param>
/// <param name="Start">Event time of the first trade (default 2024-01-01T00:00:00Z: output does not depend on the wall clock).</param>
/// <param name="Heartbeats">Also send an Exchange heartbeat per product per second of event time.</param>
/// <param name="StartNow"><c>start=now</c>: the first trade's event time is the wall clock when the source starts, so paced
/// trades carry live event times (latency measurements).</param>
/// <param name="Span">Event time the <see cref="Count"/> trades cover (e.g. <c>24h</c> for a day of trading replayed as fast as
/// the pipeline takes it); replaces <see cref="Rate"/> as the event-time spacing. Needs a count.</param>
public sealed record SyntheticOptions(int Products = 10, int Rate = 1000, int Seed = 42, long Count = 0, DateTimeOffset Start = default, bool Heartbeats = true, bool StartNow = false, TimeSpan Span = default)
{
    public static readonly DateTimeOffset DefaultStart = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset EffectiveStart => Start == default ? DefaultStart : Start;

    /// <summary>Event time between two consecutive trades.</summary>
    public long StepTicks => Span > TimeSpan.Zero && Count > 0
        ? Math.Max(1, Span.Ticks / Count)
        : TimeSpan.TicksPerSecond / Math.Max(1, Rate == 0 ? 1000 : Rate);

    /// <summary>Parses <c>k=v</c> pairs separated by commas; throws <see cref="ArgumentException"/> naming a bad one.</summary>
    public static SyntheticOptions Parse(string text)
    {
        var result = new SyntheticOptions();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = pair.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (pair[..eq].Trim(), pair[(eq + 1)..].Trim()) : (pair, string.Empty);
            var ok = true;
            result = key.ToLowerInvariant() switch
            {
                "products" => (ok = int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100_000) ? result with { Products = n } : result,
                "rate" => (ok = int.TryParse(value, CultureInfo.InvariantCulture, out var r) && r >= 0) ? result with { Rate = r } : result,
                "seed" => (ok = int.TryParse(value, CultureInfo.InvariantCulture, out var s)) ? result with { Seed = s } : result,
                "count" => (ok = long.TryParse(value, CultureInfo.InvariantCulture, out var c) && c >= 0) ? result with { Count = c } : result,
                "start" when value.Equals("now", StringComparison.OrdinalIgnoreCase) => result with { StartNow = true },
                "start" => (ok = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) ? result with { Start = t.ToUniversalTime(), StartNow = false } : result,
                "span" => (ok = TryParseDuration(value, out var span)) ? result with { Span = span } : result,
                "heartbeats" => (ok = bool.TryParse(value, out var h)) ? result with { Heartbeats = h } : result,
                _ => throw new ArgumentException($"synthetic: unknown parameter '{key}' (products, rate, seed, count, start, span, heartbeats)", nameof(text)),
            };
            if (!ok)
            {
                throw new ArgumentException($"synthetic: bad value '{value}' for '{key}'", nameof(text));
            }
        }

        if (result.Span > TimeSpan.Zero && result.Count == 0)
        {
            throw new ArgumentException("synthetic: span needs a count (the trades spread over the span)", nameof(text));
        }

        return result;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"products={Products},rate={Rate},seed={Seed},count={Count},start={(StartNow ? "now" : EffectiveStart.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))},{(Span > TimeSpan.Zero ? $"span={Span}," : string.Empty)}heartbeats={Heartbeats}");

    /// <summary>A positive duration: <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>2d</c> or a TimeSpan (<c>01:30:00</c>).</summary>
    private static bool TryParseDuration(string value, out TimeSpan span)
    {
        span = default;
        if (value.Length > 1 && "smhd".Contains(value[^1], StringComparison.Ordinal) && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            span = value[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        else if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out span))
        {
            return false;
        }

        return span > TimeSpan.Zero;
    }
}

/// <summary>
/// Generates realistic Exchange-feed frames (<c>match</c>, and <c>heartbeat</c> with <c>last_trade_id</c>) for N products:
/// product popularity falls off like real markets (1/rank), prices walk in ticks, sizes are exponential in satoshi
/// units (decimal, never floating point), trade ids are contiguous per product, event times advance by 1/rate. Fully
/// deterministic from the seed — for benchmarks and load tests of the whole pipeline.
/// </summary>
public sealed class SyntheticSource(SyntheticOptions options, TimeProvider? timeProvider = null) : IFrameSource
{
    private static readonly string[] RealProducts =
    [
        "BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "DOGE-USD", "ADA-USD", "AVAX-USD", "LTC-USD", "LINK-USD", "DOT-USD",
        "BTC-EUR", "ETH-EUR", "BTC-GBP", "ETH-BTC", "SHIB-USD", "UNI-USD", "BCH-USD", "ATOM-USD", "XLM-USD", "AAVE-USD",
    ];

    /// <summary>Start prices of the real-named products, in ticks of 0.0001 quote units.</summary>
    private static readonly long[] StartPriceTicks = [600_000_000, 30_000_000, 1_500_000, 6_000, 1_500, 5_000, 350_000, 800_000, 150_000, 70_000];

    private readonly TimeProvider timeProvider = timeProvider ?? TimeProvider.System;

    public string Description => $"synthetic:{options}";

    /// <summary>The name of product number <paramref name="index"/>.</summary>
    public static string ProductName(int index) =>
        index < RealProducts.Length ? RealProducts[index] : string.Create(CultureInfo.InvariantCulture, $"SYN{index:D4}-USD");

    /// <summary>The frames, unpaced (a pure function of the options; <paramref name="start"/> replaces their start time).</summary>
    public IEnumerable<byte[]> Generate(DateTimeOffset? start = null)
    {
        var random = new Random(options.Seed);
        var count = options.Products;
        var products = new ProductState[count];
        var cumulative = new double[count];
        var total = 0d;
        for (var i = 0; i < count; i++)
        {
            // Realistic spread: BTC most traded, popularity ~ 1/rank; prices walk by whole ticks of 0.0001.
            total += 1d / (i + 1);
            cumulative[i] = total;
            var ticks = i < StartPriceTicks.Length ? StartPriceTicks[i] : 1_000 + random.NextInt64(5_000_000);
            products[i] = new ProductState(ProductName(i), 1_000_000L * (i + 1) + random.Next(1000), ticks);
        }

        var stepTicks = options.StepTicks;
        var first = start ?? options.EffectiveStart;
        var buffer = new ArrayBufferWriter<byte>(512);
        var guid = new byte[16];
        var sequence = 1L;
        var nextHeartbeat = first.AddSeconds(1);
        for (var n = 0L; options.Count == 0 || n < options.Count; n++)
        {
            var time = first.AddTicks(n * stepTicks);
            if (options.Heartbeats && time >= nextHeartbeat)
            {
                foreach (var state in products)
                {
                    if (state.Trades > 0)
                    {
                        yield return Heartbeat(buffer, state, sequence++, nextHeartbeat);
                    }
                }

                nextHeartbeat = nextHeartbeat.AddSeconds(1);
            }

            var pick = random.NextDouble() * total;
            var index = Array.BinarySearch(cumulative, pick);
            var product = products[Math.Min(count - 1, index < 0 ? ~index : index)];
            product.PriceTicks = Math.Max(1, product.PriceTicks + (Math.Max(1, product.PriceTicks / 50_000) * random.Next(-3, 4)));

            // Size: exponential, mean 0.05 base units, in whole satoshis (at least 1).
            var satoshis = 1 + (long)(-Math.Log(1 - random.NextDouble()) * 5_000_000);
            var makerSide = random.Next(2) == 0 ? "buy" : "sell";
            random.NextBytes(guid);
            var maker = new Guid(guid);
            random.NextBytes(guid);
            var taker = new Guid(guid);
            product.LastTradeId++;
            product.Trades++;
            yield return Match(buffer, product, makerSide, satoshis, maker, taker, sequence++, time);
        }
    }

    public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var trades = 0L;
        var index = 0L;
        foreach (var frame in Generate(options.StartNow ? timeProvider.GetUtcNow() : null))
        {
            cancellationToken.ThrowIfCancellationRequested();
            index++;
            if (options.Rate > 0 && frame.AsSpan().StartsWith("{\"type\":\"match\""u8))
            {
                trades++;

                // Pace in 10 ms steps: release the trades due by now, then wait.
                while (trades > timeProvider.GetElapsedTime(started).TotalSeconds * options.Rate + 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }

            yield return new RawFrame(frame, string.Create(CultureInfo.InvariantCulture, $"synthetic:{index}"));
        }
    }

    private static byte[] Match(ArrayBufferWriter<byte> buffer, ProductState product, string makerSide, long satoshis, Guid maker, Guid taker, long sequence, DateTimeOffset time)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "match"u8);
            json.WriteNumber("trade_id"u8, product.LastTradeId);
            json.WriteString("maker_order_id"u8, maker);
            json.WriteString("taker_order_id"u8, taker);
            json.WriteString("side"u8, makerSide);
            json.WriteString("size"u8, (satoshis / 100_000_000m).ToString("0.00000000", CultureInfo.InvariantCulture));
            json.WriteString("price"u8, (product.PriceTicks / 10_000m).ToString("0.0000", CultureInfo.InvariantCulture));
            json.WriteString("product_id"u8, product.Name);
            json.WriteNumber("sequence"u8, sequence);
            json.WriteString("time"u8, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Heartbeat(ArrayBufferWriter<byte> buffer, ProductState product, long sequence, DateTimeOffset time)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "heartbeat"u8);
            json.WriteNumber("last_trade_id"u8, product.LastTradeId);
            json.WriteString("product_id"u8, product.Name);
            json.WriteNumber("sequence"u8, sequence);
            json.WriteString("time"u8, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class ProductState(string name, long firstTradeId, long priceTicks)
    {
        public string Name { get; } = name;

        public long LastTradeId { get; set; } = firstTradeId - 1;

        public long PriceTicks { get; set; } = priceTicks;

        public long Trades { get; set; }
    }
}
