var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddIngestServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapIngestApi();

app.Run();

/// <summary>The service's entry point (public for tests).</summary>
public partial class Program;
