using BitcoinVolume.Sink.Apis;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSinkServices();

var app = builder.Build();

app.UseExceptionHandler();

// The dashboard (wwwroot/index.html at /) and its chart library (wwwroot/lib, copied from npm by the build).
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapScalarApiReference("/scalar", options => options.WithTitle("BitcoinVolume Sink API"));
app.MapVolumesApi();
app.MapStatusApi();
app.MapCvdApi();
app.MapAlertsApi();
app.MapFootprintApi();
app.MapLargeTradesApi();

app.Run();
