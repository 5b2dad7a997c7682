using BitcoinVolume.Ingest.Cli;

// Command-line mode (e.g. `replay FILE --kafka HOST:PORT`) runs before, and instead of, the web host.
if (ReplayCommand.Matches(args))
{
    return await ReplayCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddIngestServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapIngestApi();

await app.RunAsync();
return 0;

/// <summary>The service's entry point (public for tests).</summary>
public partial class Program;
