using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest;

/// <summary>Settings of section <c>Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary><c>live</c> (default, = <c>coinbase-exchange</c>), <c>coinbase-advanced</c> or <c>replay:PATH</c>.</summary>
    public string Source { get; set; } = "live";

    /// <summary>
    /// Products to take. Live sources subscribe to these (default BTC-USD); a replay keeps every product of the file
    /// unless this is set, and then keeps only these.
    /// </summary>
    public string[] Products { get; set; } = [];

    /// <summary>Parser limits.</summary>
    public FrameParserOptions Parser { get; set; } = new();
}
