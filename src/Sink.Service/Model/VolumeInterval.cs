using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// The bar length of a volume query: a whole number of minutes, aligned to the unix epoch (so 1d bars start at 00:00 UTC).
/// Every interval is computed from the stored 1-minute rows by <see cref="VolumeRollup"/>.
/// </summary>
/// <param name="Name">The name used in the API (<c>1m</c>).</param>
/// <param name="Length">Bar length; a positive whole number of minutes.</param>
public readonly record struct VolumeInterval(string Name, TimeSpan Length)
{
    /// <summary>The stored resolution.</summary>
    public static VolumeInterval OneMinute { get; } = new("1m", WindowVolume.Length);

    /// <summary>The interval names the API accepts. Rollups (5m, 15m, 1h, 4h, 1d, N minutes) are added here.</summary>
    public static IReadOnlyList<VolumeInterval> Supported { get; } = [OneMinute];

    /// <summary>Parses an API interval name; <see langword="null"/> means the default, <see cref="OneMinute"/>.</summary>
    public static bool TryParse(string? text, out VolumeInterval interval)
    {
        if (text is null)
        {
            interval = OneMinute;
            return true;
        }

        foreach (var candidate in Supported)
        {
            if (string.Equals(candidate.Name, text, StringComparison.Ordinal))
            {
                interval = candidate;
                return true;
            }
        }

        interval = default;
        return false;
    }

    /// <summary>Start of the bar that contains <paramref name="time"/>.</summary>
    public DateTimeOffset BarStart(DateTimeOffset time)
    {
        var sinceEpoch = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var offset = sinceEpoch % Length.Ticks;
        if (offset < 0)
        {
            offset += Length.Ticks;
        }

        return new DateTimeOffset(time.UtcTicks - offset, TimeSpan.Zero);
    }
}
