namespace BitcoinVolume.Ingest.Sources;

/// <summary>The kinds of source <c>Ingest:Source</c> can name.</summary>
public enum SourceKind
{
    /// <summary><c>replay:PATH</c> — recorded raw frames, one per line exactly as received: a file, a folder or a glob.</summary>
    Replay,

    /// <summary><c>coinbase-exchange</c> (alias <c>live</c>) — the Exchange websocket feed.</summary>
    CoinbaseExchange,

    /// <summary><c>coinbase-advanced</c> — the Advanced Trade websocket feed.</summary>
    CoinbaseAdvancedTrade,

    /// <summary><c>synthetic:products=N,rate=R,seed=S,count=C</c> — generated Exchange-format frames.</summary>
    Synthetic,
}

/// <summary>A parsed <c>Ingest:Source</c> setting.</summary>
/// <param name="Kind">The kind of source.</param>
/// <param name="Path">For a replay, the full path (file, folder or glob).</param>
/// <param name="Synthetic">For a synthetic source, its parameters.</param>
public sealed record SourceSpec(SourceKind Kind, string? Path, SyntheticOptions? Synthetic = null)
{
    public const string Help =
        "Ingest:Source must be 'live' (= 'coinbase-exchange'), 'coinbase-advanced', 'replay:PATH' (file, folder or glob) " +
        "or 'synthetic:products=N,rate=PER_SECOND,seed=S,count=TRADES'";

    /// <summary>True for the websocket feeds.</summary>
    public bool IsLive => Kind is SourceKind.CoinbaseExchange or SourceKind.CoinbaseAdvancedTrade;

    /// <summary>Parses the setting; throws <see cref="ArgumentException"/> with <see cref="Help"/> when it is not one of the forms.</summary>
    public static SourceSpec Parse(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text is "live" or "coinbase-exchange")
        {
            return new SourceSpec(SourceKind.CoinbaseExchange, null);
        }

        if (text == "coinbase-advanced")
        {
            return new SourceSpec(SourceKind.CoinbaseAdvancedTrade, null);
        }

        if (text.StartsWith("replay:", StringComparison.Ordinal) && text.Length > "replay:".Length)
        {
            return new SourceSpec(SourceKind.Replay, System.IO.Path.GetFullPath(text["replay:".Length..]));
        }

        if (text == "synthetic" || text.StartsWith("synthetic:", StringComparison.Ordinal))
        {
            return new SourceSpec(SourceKind.Synthetic, null, SyntheticOptions.Parse(text.Length > "synthetic:".Length ? text["synthetic:".Length..] : string.Empty));
        }

        throw new ArgumentException($"{Help}; got '{text}'.", nameof(value));
    }

    public override string ToString() => Kind switch
    {
        SourceKind.Replay => $"replay:{Path}",
        SourceKind.CoinbaseAdvancedTrade => "coinbase-advanced",
        SourceKind.Synthetic => $"synthetic:{Synthetic}",
        _ => "coinbase-exchange",
    };
}
