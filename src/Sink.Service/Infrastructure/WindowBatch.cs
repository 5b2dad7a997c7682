using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>Helpers shared by the stores.</summary>
internal static class WindowBatch
{
    /// <summary>
    /// The highest version of each (venue, product, side, window start) in <paramref name="windows"/>, sorted by that key (the
    /// inserts then walk the primary key in order). Equal versions carry equal values (the version is deterministic from
    /// the content), so the first one is kept.
    /// </summary>
    public static List<WindowVolume> LatestPerKey(IReadOnlyList<WindowVolume> windows)
    {
        var latest = new Dictionary<(string Venue, string Product, TakerSide Side, long Start), WindowVolume>(windows.Count);
        foreach (var window in windows)
        {
            ArgumentNullException.ThrowIfNull(window);
            var key = (window.Venue, window.Product, window.Side, window.WindowStart.UtcTicks);
            if (!latest.TryGetValue(key, out var held) || held.Version < window.Version)
            {
                latest[key] = window;
            }
        }

        return latest.Values
            .OrderBy(w => w.Venue, StringComparer.Ordinal)
            .ThenBy(w => w.Product, StringComparer.Ordinal)
            .ThenBy(w => w.Side)
            .ThenBy(w => w.WindowStart)
            .ToList();
    }

    /// <summary>
    /// The first start of a <paramref name="window"/> window at or after <paramref name="value"/> (UTC), or the last one
    /// when that would be past <see cref="DateTimeOffset.MaxValue"/>. Stored window starts are on that grid, so
    /// <c>start &gt;= t</c> ⇔ <c>start &gt;= CeilingToStart(t)</c>: range bounds can be handed to any database without
    /// sub-second precision issues. A store that does not know the configured window passes
    /// <see cref="WindowSpec.Finest"/> (every valid window starts on a whole second).
    /// </summary>
    public static DateTimeOffset CeilingToStart(DateTimeOffset value, WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var start = window.StartOf(value);
        return start == value || start.UtcTicks > DateTimeOffset.MaxValue.UtcTicks - window.Length.Ticks ? start : start + window.Length;
    }

    public static string SideToText(TakerSide side) => side switch
    {
        TakerSide.Buy => "buy",
        TakerSide.Sell => "sell",
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "Unknown taker side."),
    };

    /// <summary><see cref="SideToText"/> as UTF-8.</summary>
    public static ReadOnlySpan<byte> SideToUtf8(TakerSide side) => side switch
    {
        TakerSide.Buy => "buy"u8,
        TakerSide.Sell => "sell"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "Unknown taker side."),
    };

    public static TakerSide TextToSide(string text) => text switch
    {
        "buy" => TakerSide.Buy,
        "sell" => TakerSide.Sell,
        _ => throw new InvalidDataException($"Unknown side '{text}' in volumes_1m."),
    };

    /// <summary>
    /// The stored text of a window's size classes (<see cref="WindowVolume.SizeClasses"/>): their JSON array as on
    /// <c>volumes.1m</c> (<c>[{"min":0,"max":1000,"trades":3,"baseVolume":0.5},…]</c>, decimals exact), or null for none.
    /// </summary>
    public static string? SizeClassesToText(IReadOnlyList<SizeClassVolume>? classes) =>
        classes is null ? null : System.Text.Json.JsonSerializer.Serialize(classes, ContractsJsonContext.Default.IReadOnlyListSizeClassVolume);

    /// <summary>The size classes of their stored text (<see cref="SizeClassesToText"/>); null or empty text: none.</summary>
    public static IReadOnlyList<SizeClassVolume>? TextToSizeClasses(string? text) =>
        string.IsNullOrEmpty(text) ? null : System.Text.Json.JsonSerializer.Deserialize(text, ContractsJsonContext.Default.IReadOnlyListSizeClassVolume);

    /// <summary>The incomplete reason of a stored row: null when complete; a row stored incomplete without a reason says so.</summary>
    public static string? ReasonOf(bool complete, string? reason) => complete ? null : reason ?? "incomplete (no reason stored)";
}
