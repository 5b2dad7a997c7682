using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// One alert rule, as written in <c>Sink:Alerts:Rules</c> or posted to <c>POST /api/alerts/rules</c>. <see cref="Kind"/>:
/// <c>imbalance</c> (|Σ(buy − sell) / Σ(buy + sell)| over the last <see cref="Bars"/> bars ≥ <see cref="Percent"/> %),
/// <c>delta</c> (|buy − sell| base volume of a bar ≥ <see cref="Delta"/>) or <c>cvd-cross</c> (the cumulative volume delta,
/// in base units, since the <see cref="Anchor"/> crosses <see cref="Level"/> within a bar, up or down) or <c>trade</c> (a
/// single trade of notional ≥ <see cref="Notional"/> in the quote currency <see cref="Quote"/>, from the large trades).
/// </summary>
public sealed class AlertRule
{
    public const string ImbalanceKind = "imbalance";
    public const string DeltaKind = "delta";
    public const string CvdCrossKind = "cvd-cross";
    public const string TradeKind = "trade";

    /// <summary>Unique id: 1 to 64 lower-case letters, digits, <c>-</c>, <c>_</c> or <c>.</c>; part of every alert id.</summary>
    public string? Id { get; set; }

    /// <summary><c>imbalance</c>, <c>delta</c>, <c>cvd-cross</c> or <c>trade</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>One product (as on /api/volumes), or <see cref="Asset"/>.</summary>
    public string? Product { get; set; }

    /// <summary>One base asset over its products, or <see cref="Product"/>.</summary>
    public string? Asset { get; set; }

    /// <summary>Venue selection as on /api/volumes (default <c>spot</c>).</summary>
    public string? Venue { get; set; }

    /// <summary>Bar length as on /api/volumes (default: the base window).</summary>
    public string? Interval { get; set; }

    /// <summary><c>imbalance</c>: the threshold in percent, 0 &lt; X ≤ 100.</summary>
    public decimal? Percent { get; set; }

    /// <summary><c>imbalance</c>: the number of bars N (1 to 1440, default 1) the imbalance is taken over.</summary>
    public int? Bars { get; set; }

    /// <summary><c>delta</c>: the threshold Y &gt; 0 of |buy − sell| base volume.</summary>
    public decimal? Delta { get; set; }

    /// <summary><c>cvd-cross</c>: the CVD level (base units).</summary>
    public decimal? Level { get; set; }

    /// <summary><c>cvd-cross</c>: <c>day</c> (default) or <c>week</c>; a range has no meaning for a standing rule.</summary>
    public string? Anchor { get; set; }

    /// <summary>
    /// <c>trade</c>: the threshold Z of a single trade's notional (price × size) in <see cref="Quote"/>; at least the stored
    /// large-trade threshold of that quote (<c>Sink:LargeTrades:MinNotional</c>), since smaller trades are not kept.
    /// </summary>
    public decimal? Notional { get; set; }

    /// <summary>
    /// <c>trade</c>: the quote currency of <see cref="Notional"/>. With <see cref="Product"/> it is the product's (and may be
    /// left out); with <see cref="Asset"/> it is required and only the asset's products quoted in it are watched (notionals of
    /// different currencies are never compared).
    /// </summary>
    public string? Quote { get; set; }

    /// <summary>Names of <c>Sink:Alerts:Webhooks</c> to deliver to; default every configured webhook, <c>[]</c> none (SSE only).</summary>
    public List<string>? Webhooks { get; set; }

    /// <summary>What is wrong with the rule, per field (camelCase names, as in the JSON); empty when it is valid.</summary>
    public Dictionary<string, string[]> Validate(WindowSpec window, IReadOnlyCollection<string> webhooks, IReadOnlyDictionary<string, decimal>? minNotional = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(webhooks);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Id is null || Id.Length is 0 or > 64 || !Id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.'))
        {
            errors["id"] = ["id is required: 1 to 64 lower-case letters, digits, '-', '_' or '.', e.g. btc-imbalance."];
        }

        if ((Product is null) == (Asset is null))
        {
            errors["product"] = ["give product (e.g. BTC-USD) or asset (e.g. BTC), exactly one."];
        }
        else if (Asset is { } asset && (asset.Length is 0 or > 16 || !asset.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c))))
        {
            errors["asset"] = [$"asset '{asset}' is not an asset code (upper-case letters and digits, e.g. BTC)."];
        }
        else if (Product is { } product && (product.Length is 0 or > 64 || product.Trim() != product))
        {
            errors["product"] = [$"product '{product}' is not a product id (e.g. BTC-USD)."];
        }

        if (!VenueSelection.TryParse(Venue, out _, out var venueError))
        {
            errors["venue"] = [venueError];
        }

        if (!VolumeInterval.TryParse(Interval, window, out var interval))
        {
            errors["interval"] = [$"interval '{Interval}' is not supported; use {VolumeInterval.SyntaxFor(window)}."];
        }

        switch (Kind)
        {
            case ImbalanceKind:
                if (Percent is not { } p || p <= 0 || p > 100)
                {
                    errors["percent"] = ["imbalance needs percent, the threshold in percent: more than 0, at most 100."];
                }

                if (Bars is { } n && n is < 1 or > 1440)
                {
                    errors["bars"] = ["bars (N, the bars the imbalance is taken over) is 1 to 1440 (default 1)."];
                }

                break;
            case DeltaKind:
                if (Delta is not { } d || d <= 0)
                {
                    errors["delta"] = ["delta needs delta, the threshold of |buy − sell| base volume of a bar: more than 0."];
                }

                break;
            case CvdCrossKind:
                if (Level is null)
                {
                    errors["level"] = ["cvd-cross needs level, the CVD (base units) whose crossing fires."];
                }

                if (!Cvd.TryParseAnchor(Anchor ?? "day", out var anchor) || anchor == CvdAnchor.Range)
                {
                    errors["anchor"] = [$"anchor '{Anchor}' is not supported for a rule; use day (default) or week."];
                }
                else if (!errors.ContainsKey("interval") && !Cvd.Fits(anchor, interval))
                {
                    errors["interval"] = [$"interval '{interval.Name}' does not divide a day; a {Cvd.Name(anchor)} anchor needs one that does."];
                }

                break;
            case TradeKind:
                ValidateTrade(errors, minNotional ?? LargeTrade.DefaultMinNotional);
                break;
            default:
                errors["kind"] = [$"kind '{Kind}' is not supported; use {ImbalanceKind}, {DeltaKind}, {CvdCrossKind} or {TradeKind}."];
                break;
        }

        foreach (var name in Webhooks ?? [])
        {
            if (!webhooks.Contains(name))
            {
                errors["webhooks"] = [$"webhook '{name}' is not configured; configured: {(webhooks.Count == 0 ? "none" : string.Join(", ", webhooks))} (Sink:Alerts:Webhooks)."];
            }
        }

        return errors;
    }

    /// <summary>The quote currency of a <c>trade</c> rule: <see cref="Quote"/>, or the product's.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? QuoteCurrency => Quote ?? (Product is { } p && p.Contains('-', StringComparison.Ordinal) ? Products.QuoteOf(p) : null);

    private void ValidateTrade(Dictionary<string, string[]> errors, IReadOnlyDictionary<string, decimal> minNotional)
    {
        if (Product is { } product && Quote is { } quote && product.Contains('-', StringComparison.Ordinal) && Products.QuoteOf(product) != quote)
        {
            errors["quote"] = [$"quote '{quote}' is not the quote currency of {product} ({Products.QuoteOf(product)}); leave it out with a product."];
            return;
        }

        if (QuoteCurrency is not { } currency)
        {
            errors["quote"] = ["a trade rule on an asset needs quote, the currency of notional (e.g. USD): notionals of different currencies are not compared."];
            return;
        }

        if (Notional is not { } z || z <= 0)
        {
            errors["notional"] = [$"trade needs notional, the threshold of a single trade's price × size in {currency}: more than 0."];
        }
        else if (!minNotional.TryGetValue(currency, out var stored))
        {
            errors["notional"] = [$"no large trades are kept for quote currency {currency} (Aggregate:LargeTrades:MinNotional:{currency} is not set), so a trade rule on it cannot fire."];
        }
        else if (z < stored)
        {
            errors["notional"] = [string.Create(CultureInfo.InvariantCulture, $"notional {z} is below the stored large-trade threshold of {currency}, {stored} (Aggregate:LargeTrades:MinNotional:{currency}): smaller trades are not kept.")];
        }
    }

    /// <summary>What the rule watches, for messages, e.g. <c>imbalance ≥ 70 % over 3 bars</c>.</summary>
    public string Describe() => Kind switch
    {
        ImbalanceKind => string.Create(CultureInfo.InvariantCulture, $"imbalance >= {Percent} % over {Bars ?? 1} bars"),
        DeltaKind => string.Create(CultureInfo.InvariantCulture, $"|delta| >= {Delta}"),
        TradeKind => string.Create(CultureInfo.InvariantCulture, $"single trade >= {Notional} {QuoteCurrency}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"CVD ({Anchor ?? "day"}) crossing {Level}"),
    };
}
