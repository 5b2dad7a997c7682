using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>Venue ids as the sink accepts them, and the market it files each under.</summary>
public static class VenueIds
{
    /// <summary>The longest venue id accepted.</summary>
    public const int MaxLength = 32;

    /// <summary>
    /// True for a well-formed venue id: 1 to <see cref="MaxLength"/> lower-case ASCII letters, digits and dashes, starting
    /// with a letter or digit, not ending with a dash, and not one of the selection words <c>spot</c> and <c>all</c>. Ids the
    /// sink does not know (<see cref="Venues.Find"/>) are accepted: a new derivative market can follow without a sink release.
    /// </summary>
    public static bool IsWellFormed(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || id[0] == '-' || id[^1] == '-'
            || id is VenueSelection.SpotWord or VenueSelection.AllWord)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c != '-' && !char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="id"/> is a spot market for the sink: only a venue the contract knows as spot
    /// (<see cref="VenueInfo.IsSpot"/>). An unknown id might be a derivative market, so it is never summed into spot;
    /// it is read by naming it or with <c>venue=all</c>.
    /// </summary>
    public static bool IsSpot(string id) => Venues.Find(id)?.IsSpot == true;

    /// <summary>The market name of the API: <c>spot</c>, <c>linear-perpetual</c>, or <c>unknown</c> for an id the sink does not know.</summary>
    public static string MarketOf(string id) => Venues.Find(id)?.Market switch
    {
        MarketType.Spot => "spot",
        MarketType.LinearPerpetual => "linear-perpetual",
        _ => "unknown",
    };
}

/// <summary>
/// The <c>venue</c> parameter of the API: one id, a comma-separated list of ids, <c>spot</c> (the default: every spot venue,
/// <see cref="VenueIds.IsSpot"/>) or <c>all</c> (every venue, derivative and unknown markets too).
/// </summary>
public sealed class VenueSelection
{
    /// <summary>Every spot venue.</summary>
    public const string SpotWord = "spot";

    /// <summary>Every venue.</summary>
    public const string AllWord = "all";

    private readonly HashSet<string>? ids;
    private readonly bool spotOnly;

    private VenueSelection(HashSet<string>? ids, bool spotOnly, string text)
    {
        this.ids = ids;
        this.spotOnly = spotOnly;
        Text = text;
    }

    /// <summary>The default selection: every spot venue.</summary>
    public static VenueSelection Spot { get; } = new(null, spotOnly: true, SpotWord);

    /// <summary>Every venue.</summary>
    public static VenueSelection All { get; } = new(null, spotOnly: false, AllWord);

    /// <summary>The canonical text of the selection (<c>spot</c>, <c>all</c>, or the ids joined by commas).</summary>
    public string Text { get; }

    /// <summary>True when the selection names venues one by one (an id or a list).</summary>
    public bool IsExplicit => ids is not null;

    /// <summary>
    /// Parses the parameter; <see langword="null"/> or blank is <see cref="Spot"/>. On failure returns false with a message
    /// naming the offending part.
    /// </summary>
    public static bool TryParse(string? text, out VenueSelection selection, out string error)
    {
        selection = Spot;
        error = string.Empty;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed == SpotWord)
        {
            return true;
        }

        if (trimmed == AllWord)
        {
            selection = All;
            return true;
        }

        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in trimmed.Split(','))
        {
            var id = part.Trim();
            if (!VenueIds.IsWellFormed(id))
            {
                error = $"venue '{id}' is not a venue id (lower-case letters, digits and dashes, e.g. coinbase or bybit-linear); " +
                        "use one id, a comma-separated list, spot (default) or all. See /api/venues.";
                return false;
            }

            set.Add(id);
        }

        selection = new VenueSelection(set, spotOnly: false, string.Join(',', set.Order(StringComparer.Ordinal)));
        return true;
    }

    /// <summary>True when the selection includes <paramref name="venue"/>.</summary>
    public bool Includes(string venue) => ids?.Contains(venue) ?? (!spotOnly || VenueIds.IsSpot(venue));
}
