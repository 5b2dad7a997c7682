using BitcoinVolume.DevBroker.Extensions;

// The development Kafka broker: librdkafka's in-memory mock cluster on a fixed port (DevBroker:Port, default 9092),
// with every topic of BitcoinVolume.Contracts.Topics created up front. For development and tests only.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDevBrokerServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
