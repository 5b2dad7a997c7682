var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAggregateServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
