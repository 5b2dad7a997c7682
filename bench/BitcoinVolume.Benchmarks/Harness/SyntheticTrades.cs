using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues.Coinbase;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// The trades a <c>synthetic:</c> ingest source produces (the same generator, the same parse), so a run's expected
/// windows can be computed here and compared with what the sink serves.
/// </summary>
public static class SyntheticTrades
{
    public static List<Trade> Generate(string options)
    {
        var parsed = SyntheticOptions.Parse(options);
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>((int)Math.Min(parsed.Count, 10_000_000));
        foreach (var frame in new SyntheticSource(parsed).Generate())
        {
            parser.Parse(frame, trades);
        }

        return trades;
    }
}

/// <summary>Order statistics of a sample.</summary>
public static class Percentiles
{
    /// <summary>The <paramref name="p"/>-th percentile (0–100) of sorted values, nearest rank.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>Slope (per second) of a counter between the samples where it first reaches 10 % and 90 % of its final value.</summary>
    public static double SteadyRate(IReadOnlyList<Progress> samples, Func<Progress, long> value)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var final = value(samples[^1]);
        var from = samples.FirstOrDefault(s => value(s) >= final * 0.1);
        var to = samples.FirstOrDefault(s => value(s) >= final * 0.9);
        return from is null || to is null || to.At <= from.At ? double.NaN : (value(to) - value(from)) / (to.At - from.At).TotalSeconds;
    }
}
