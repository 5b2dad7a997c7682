namespace BitcoinVolume.Ingest.Tests;

internal static class TestData
{
    /// <summary>Raw Exchange-feed frames recorded live on 2021-04-17 (see tests/data/README.md).</summary>
    public static string RecordedExchangeFile => Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson");
}
