using System.Text.Json;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Binance;
using BitcoinVolume.Ingest.Venues.Okx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>One record of a cryptofeed recording (format 2): its line number, type, url/addr and data.</summary>
internal sealed record RecordingLine(int Line, string Type, string? Url, string? Data);

/// <summary>Reads the cryptofeed recordings in <c>data/cryptofeed/</c> (copied to the test output) for the venue parser tests.</summary>
internal static class RecordingLines
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", file);

    public static IEnumerable<RecordingLine> Read(string file)
    {
        var number = 0;
        foreach (var line in File.ReadLines(PathOf(file)))
        {
            number++;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            yield return new RecordingLine(number, Text("t")!, Text("url") ?? Text("addr"), Text("data"));
        }
    }

    /// <summary>A venue's symbol map filled from the file's <c>http</c> instrument lists, as replay fills it.</summary>
    public static SymbolMap Symbols(IVenue venue, string file)
    {
        var map = new SymbolMap(venue);
        foreach (var http in Read(file).Where(l => l.Type == "http"))
        {
            map.AddRange(venue.ParseInstruments(new Uri(http.Url!), http.Data!));
        }

        return map;
    }

    /// <summary>The registered venues as ingest builds them (default options, no configuration).</summary>
    public static T Venue<T>()
        where T : IVenue
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddBinanceVenue()
            .AddBinanceUsVenue()
            .AddOkxVenue()
            .BuildServiceProvider();
        return services.GetServices<IVenue>().OfType<T>().Single();
    }

    public static FrameParserOptions Options { get; } = new();
}

/// <summary>The live source names of these venues resolve through the registry ingest builds.</summary>
public sealed class AdapterRegistryTests
{
    [Theory]
    [InlineData("binance", "binance")]
    [InlineData("binance-us", "binance-us")]
    [InlineData("okx", "okx")]
    [InlineData("gemini", "gemini")]
    public void The_live_source_resolves_to_its_venue(string source, string venue)
    {
        var registry = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddIngestVenues()
            .BuildServiceProvider()
            .GetRequiredService<VenueRegistry>();

        var (spec, resolved) = registry.Resolve(source);
        Assert.True(spec.IsLive);
        Assert.Equal((venue, source), (resolved.Venue.Id, resolved.LiveSource));
        Assert.Equal(source, resolved.Venue.CreateLiveFeed(source).Name);
    }
}
