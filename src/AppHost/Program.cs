// The data flow, as in the README:
//   Coinbase ws | replay file ─► ingest ─► [trades] ─► aggregate ─► [volumes.1m] ─► sink ─► SQLite ─► HTTP API :8080
// Every setting reaches a service through an Aspire parameter; Kafka and the database are connection-string resources.
var builder = DistributedApplication.CreateBuilder(args);

// Kafka: the cluster named by ConnectionStrings:kafka, or else a development broker (librdkafka mock, in memory).
var kafka = builder.AddKafkaOrDevelopmentBroker();

// Each service needs only Kafka to start; /health (Kafka, websocket, state, database) shows in the dashboard.
builder.AddProject<Projects.Ingest_Service>("ingest")
    .WithKafka(builder, kafka)
    .WithIngestSettings(builder)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Aggregate_Service>("aggregate")
    .WithKafka(builder, kafka, consumerSection: "Aggregate")
    .WithAggregateSettings(builder, kafka)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Sink_Service>("sink")
    .WithKafka(builder, kafka, consumerSection: "Sink")
    .WithSinkSettings(builder)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
