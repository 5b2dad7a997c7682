namespace BitcoinVolume.Ingest.Sources;

/// <summary>The kinds of source <c>Ingest:Source</c> can name.</summary>
public enum SourceKind
{
    /// <summary><c>replay:PATH</c> — a file of raw frames, one per line, exactly as received.</summary>
    Replay,

    /// <summary><c>coinbase-exchange</c> (alias <c>live</c>) — the Exchange websocket feed.</summary>
    CoinbaseExchange,

    /// <summary><c>coinbase-advanced</c> — the Advanced Trade websocket feed.</summary>
    CoinbaseAdvancedTrade,
}

/// <summary>A parsed <c>Ingest:Source</c> setting.</summary>
public sealed record SourceSpec(SourceKind Kind, string? Path)
{
    public const string Help = "Ingest:Source must be 'live' (= 'coinbase-exchange'), 'coinbase-advanced' or 'replay:PATH'";

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

        throw new ArgumentException($"{Help}; got '{text}'.", nameof(value));
    }

    public override string ToString() => Kind switch
    {
        SourceKind.Replay => $"replay:{Path}",
        SourceKind.CoinbaseAdvancedTrade => "coinbase-advanced",
        _ => "coinbase-exchange",
    };
}
