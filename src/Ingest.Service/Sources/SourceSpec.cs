namespace BitcoinVolume.Ingest.Sources;

/// <summary>The kinds of source <c>Ingest:Source</c> can name.</summary>
public enum SourceKind
{
    /// <summary>A venue's live websocket feed, by the name its venue registers (e.g. <c>coinbase-exchange</c>, alias <c>live</c>).</summary>
    Live,

    /// <summary><c>replay:PATH</c> — recorded raw frames, one per line exactly as received: a file, a folder or a glob.</summary>
    Replay,

    /// <summary><c>synthetic:products=N,rate=R,seed=S,count=C</c> — generated frames.</summary>
    Synthetic,
}

/// <summary>
/// A parsed <c>Ingest:Source</c> setting. Parsing checks the form only; which venue serves a live source name is the
/// <see cref="Venues.VenueRegistry"/>'s business (it gives the clear error for an unknown one).
/// </summary>
/// <param name="Kind">The kind of source.</param>
/// <param name="Name">For a live source, the name as given (a registered source name or alias).</param>
/// <param name="Path">For a replay, the full path (file, folder or glob).</param>
/// <param name="Synthetic">For a synthetic source, its parameters.</param>
public sealed record SourceSpec(SourceKind Kind, string? Name, string? Path, SyntheticOptions? Synthetic = null)
{
    /// <summary>The live source an empty setting means.</summary>
    public const string DefaultLive = "live";

    /// <summary>The forms that are not live sources, for help texts.</summary>
    public const string OtherForms = "'replay:PATH' (file, folder or glob) or 'synthetic:products=N,rate=PER_SECOND,seed=S,count=TRADES'";

    public const string Help = "Ingest:Source must be the name of a venue's live source, " + OtherForms;

    /// <summary>True for the websocket feeds.</summary>
    public bool IsLive => Kind == SourceKind.Live;

    /// <summary>
    /// Parses the setting; throws <see cref="ArgumentException"/> with <see cref="Help"/> when it is none of the forms. A
    /// live source name is a single word of letters, digits and dashes (<c>coinbase-exchange</c>).
    /// </summary>
    public static SourceSpec Parse(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return new SourceSpec(SourceKind.Live, DefaultLive, null);
        }

        if (text.StartsWith("replay:", StringComparison.Ordinal) && text.Length > "replay:".Length)
        {
            return new SourceSpec(SourceKind.Replay, null, System.IO.Path.GetFullPath(text["replay:".Length..]));
        }

        if (text == "synthetic" || text.StartsWith("synthetic:", StringComparison.Ordinal))
        {
            return new SourceSpec(SourceKind.Synthetic, null, null, SyntheticOptions.Parse(text.Length > "synthetic:".Length ? text["synthetic:".Length..] : string.Empty));
        }

        if (text.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return new SourceSpec(SourceKind.Live, text, null);
        }

        throw new ArgumentException($"{Help}; got '{text}'.", nameof(value));
    }

    public override string ToString() => Kind switch
    {
        SourceKind.Replay => $"replay:{Path}",
        SourceKind.Synthetic => $"synthetic:{Synthetic}",
        _ => Name ?? DefaultLive,
    };
}
