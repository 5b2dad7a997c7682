using System.Text.Json;

namespace BitcoinVolume.Infrastructure.Tests.Manifest;

/// <summary>
/// The deployment manifest: the built AppHost run as <c>--publisher manifest --output-path FILE</c> (what
/// <c>dotnet run --project src/AppHost -- --publisher manifest --output-path FILE</c> does, without the build step)
/// describes every service and its configuration. No container runtime is involved. See docs/DEPLOYMENT.md.
/// </summary>
public sealed class ManifestTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static readonly string[] Services = ["ingest", "aggregate", "sink"];

    /// <summary>Settings the AppHost reads from its own configuration; cleared so that the machine's environment cannot leak in.</summary>
    private static readonly string[] AppHostSettingPrefixes =
        ["ConnectionStrings__", "ConnectionStrings:", "Ingest__", "Ingest:", "DevBroker__", "DevBroker:", "Aggregate__", "Aggregate:", "Sink__", "Sink:", "Kafka__", "Kafka:"];

    [Fact]
    public async Task Development_manifest_has_the_development_broker_and_every_service_with_its_settings_as_placeholders()
    {
        var (manifest, directory, text) = await PublishAsync([]);
        var resources = manifest.GetProperty("resources");

        var broker = Project(resources, directory, "kafka-dev", "DevBroker");
        Assert.Equal("{devbroker-port.value}", Env(broker, "DevBroker__Port"));
        Assert.Equal("9092", Default(resources, "devbroker-port"));
        Assert.Equal(9092, broker.GetProperty("bindings").GetProperty("kafka").GetProperty("targetPort").GetInt32());

        // Kafka is a connection-string resource; with the development broker it points at the broker's endpoint.
        var kafka = resources.GetProperty("kafka");
        Assert.Equal("{kafka-dev.bindings.kafka.host}:{kafka-dev.bindings.kafka.port}", kafka.GetProperty("connectionString").GetString());
        foreach (var service in Services)
        {
            var resource = Project(resources, directory, service, service switch
            {
                "ingest" => "Ingest.Service",
                "aggregate" => "Aggregate.Service",
                _ => "Sink.Service",
            });
            Assert.Equal("{kafka.connectionString}", Env(resource, "ConnectionStrings__kafka"));
            AssertOnlyPlaceholders(resource);
        }

        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.Null(Env(resources.GetProperty("ingest"), "Ingest__Source"));
        Assert.Equal("{aggregate-statepath.value}", Env(resources.GetProperty("aggregate"), "Aggregate__StatePath"));
        Assert.EndsWith(Path.Combine("data", "aggregate-state"), Default(resources, "aggregate-statepath"), StringComparison.Ordinal); // not a temp folder: it survives restarts
        Assert.Equal("{aggregate-checkpoints-path.value}", Env(resources.GetProperty("aggregate"), "Aggregate__Checkpoints__Path"));
        Assert.EndsWith(Path.Combine("data", "aggregate-checkpoints"), Default(resources, "aggregate-checkpoints-path"), StringComparison.Ordinal);

        // With the development broker the aggregator keeps its state across broker restarts (a new, empty log).
        Assert.Equal("{aggregate-continueacrossbrokerrestarts.value}", Env(resources.GetProperty("aggregate"), "Aggregate__ContinueAcrossBrokerRestarts"));
        Assert.Equal("true", Default(resources, "aggregate-continueacrossbrokerrestarts"));
        Assert.Equal("{aggregate-kafka-fetch-wait-max-ms.value}", Env(resources.GetProperty("aggregate"), "Aggregate__Kafka__fetch.wait.max.ms"));
        Assert.Equal("10", Default(resources, "aggregate-kafka-fetch-wait-max-ms"));

        // ... and a short session timeout: the mock cluster lets a rebalance wait session.timeout.ms − 1 s (default 44 s).
        Assert.Equal("{aggregate-kafka-session-timeout-ms.value}", Env(resources.GetProperty("aggregate"), "Aggregate__Kafka__session.timeout.ms"));
        Assert.Equal("6000", Default(resources, "aggregate-kafka-session-timeout-ms"));
        Assert.Equal("2000", Default(resources, "aggregate-kafka-heartbeat-interval-ms"));

        // The aggregator and the sink share one base window parameter.
        Assert.Equal("{window.value}", Env(resources.GetProperty("aggregate"), "Aggregate__Window"));
        Assert.Equal("{window.value}", Env(resources.GetProperty("sink"), "Sink__Window"));
        Assert.Equal("1m", Default(resources, "window"));

        var sink = resources.GetProperty("sink");
        Assert.Equal("{sink-store.value}", Env(sink, "Sink__Store"));
        Assert.Equal("sqlite", Default(resources, "sink-store"));
        Assert.Equal("{volumes.connectionString}", Env(sink, "ConnectionStrings__volumes"));
        Assert.Equal("Data Source={volumes-sqlite-file.value}", resources.GetProperty("volumes").GetProperty("connectionString").GetString());
        Assert.EndsWith("volumes.db", Default(resources, "volumes-sqlite-file"), StringComparison.Ordinal);
        Assert.True(sink.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean(), "the sink's HTTP API is external");
    }

    [Fact]
    public async Task Manifest_for_a_real_cluster_has_no_development_broker_and_asks_for_the_connection_strings_and_secrets()
    {
        const string Cluster = "broker-1.example.internal:9092,broker-2.example.internal:9092";
        const string Volumes = "Data Source=/var/lib/bitcoinvolume/volumes.db";
        const string State = "/var/lib/bitcoinvolume/aggregate-state";
        const string SaslSecret = "manifest-test-sasl-value";
        var (manifest, directory, text) = await PublishAsync(
        [
            "--ConnectionStrings:kafka", Cluster,
            "--ConnectionStrings:volumes", Volumes,
            "--Ingest:Source", "replay:recordings/day.ndjson",
            "--Ingest:Products", "BTC-USD,ETH-USD",
            "--Aggregate:StatePath", State,
            "--Aggregate:Window", "10s",
            "--Kafka:security.protocol", "SASL_SSL",
            "--Kafka:sasl.password", SaslSecret,
        ]);
        var resources = manifest.GetProperty("resources");

        Assert.False(resources.TryGetProperty("kafka-dev", out _), "no development broker when ConnectionStrings:kafka is given");

        // Connection strings are secret parameters: the deployment supplies them; the manifest never holds them.
        foreach (var name in new[] { "kafka", "volumes" })
        {
            var resource = resources.GetProperty(name);
            Assert.Equal("parameter.v0", resource.GetProperty("type").GetString());
            Assert.Equal($"{{{name}.value}}", resource.GetProperty("connectionString").GetString());
            Assert.True(resource.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{name} is a secret input");
        }

        Assert.DoesNotContain("example.internal", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/var/lib/bitcoinvolume/volumes.db", text, StringComparison.Ordinal);
        Assert.DoesNotContain(SaslSecret, text, StringComparison.Ordinal);

        foreach (var service in Services)
        {
            var resource = resources.GetProperty(service);
            Assert.Equal("{kafka.connectionString}", Env(resource, "ConnectionStrings__kafka"));
            Assert.Equal("{kafka-security-protocol.value}", Env(resource, "Kafka__security.protocol"));
            Assert.Equal("{kafka-sasl-password.value}", Env(resource, "Kafka__sasl.password"));
            AssertOnlyPlaceholders(resource);
        }

        Assert.Equal("SASL_SSL", Default(resources, "kafka-security-protocol"));
        Assert.True(resources.GetProperty("kafka-sasl-password").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.Null(Default(resources, "kafka-sasl-password"));

        var ingest = resources.GetProperty("ingest");
        // A relative replay path is taken from the AppHost's current folder (here: the manifest's folder).
        Assert.Equal("{ingest-source.value}", Env(ingest, "Ingest__Source"));
        Assert.Equal("replay:" + Path.Combine(directory, "recordings", "day.ndjson"), Default(resources, "ingest-source"));
        Assert.Equal("{ingest-products-0.value}", Env(ingest, "Ingest__Products__0"));
        Assert.Equal("BTC-USD", Default(resources, "ingest-products-0"));
        Assert.Equal("ETH-USD", Default(resources, "ingest-products-1"));
        Assert.Equal("{volumes.connectionString}", Env(resources.GetProperty("sink"), "ConnectionStrings__volumes"));
        Assert.Equal(State, Default(resources, "aggregate-statepath"));
        Assert.Equal(State + "-checkpoints", Default(resources, "aggregate-checkpoints-path")); // beside its own state folder, never another run's
        Assert.Equal("10s", Default(resources, "window"));
        Assert.Equal("{window.value}", Env(resources.GetProperty("sink"), "Sink__Window"));
        Assert.Null(Env(resources.GetProperty("aggregate"), "Aggregate__Kafka__fetch.wait.max.ms"));
        Assert.Null(Env(resources.GetProperty("aggregate"), "Aggregate__Kafka__session.timeout.ms"));
        Assert.Null(Env(resources.GetProperty("aggregate"), "Aggregate__ContinueAcrossBrokerRestarts")); // a real cluster: never continued across logs
    }

    [Fact]
    public async Task Venue_settings_reach_ingest_each_through_its_own_parameter()
    {
        var (manifest, _, _) = await PublishAsync(
        [
            "--Ingest:Venues:binance:Products", "BTC-USDT,BTC-USDC",
            "--Ingest:Venues:gemini:Enabled", "true",
            "--Ingest:Venues:bybit-linear:Enabled", "false",
        ]);
        var resources = manifest.GetProperty("resources");
        var ingest = resources.GetProperty("ingest");

        // No Ingest:Source: ingest reads every enabled venue; the per-venue settings go as they are.
        Assert.Null(Env(ingest, "Ingest__Source"));
        Assert.Equal("{ingest-venues-binance-products.value}", Env(ingest, "Ingest__Venues__binance__Products"));
        Assert.Equal("BTC-USDT,BTC-USDC", Default(resources, "ingest-venues-binance-products"));
        Assert.Equal("{ingest-venues-gemini-enabled.value}", Env(ingest, "Ingest__Venues__gemini__Enabled"));
        Assert.Equal("true", Default(resources, "ingest-venues-gemini-enabled"));
        Assert.Equal("{ingest-venues-bybit-linear-enabled.value}", Env(ingest, "Ingest__Venues__bybit-linear__Enabled"));
        Assert.Equal("false", Default(resources, "ingest-venues-bybit-linear-enabled"));
        AssertOnlyPlaceholders(ingest);
    }

    [Fact]
    public async Task Different_aggregate_and_sink_windows_stop_the_apphost_with_a_message_naming_both()
    {
        var result = await RunPublisherAsync(["--Aggregate:Window", "10s", "--Sink:Window", "1m"]);
        Assert.NotEqual(0, result.Result.ExitCode);
        Assert.Contains("Aggregate:Window '10s' and Sink:Window '1m' differ", result.Result.StandardOutput + result.Result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Every environment value of a service is a placeholder or a fixed literal that is no address and no path.</summary>
    private static void AssertOnlyPlaceholders(JsonElement resource)
    {
        foreach (var variable in resource.GetProperty("env").EnumerateObject())
        {
            var value = variable.Value.GetString() ?? "";
            Assert.False(value.Contains(':', StringComparison.Ordinal) || value.Contains('/', StringComparison.Ordinal),
                $"{variable.Name} = '{value}' is a literal address or path, not a placeholder.");
        }
    }

    /// <summary>The default value a parameter publishes, or null (a secret, or no default).</summary>
    private static string? Default(JsonElement resources, string parameter)
    {
        Assert.True(resources.TryGetProperty(parameter, out var element), $"parameter '{parameter}' is missing from the manifest.");
        Assert.Equal("parameter.v0", element.GetProperty("type").GetString());
        var input = element.GetProperty("inputs").GetProperty("value");
        return input.TryGetProperty("default", out var value) ? value.GetProperty("value").GetString() : null;
    }

    /// <summary>A project resource of the manifest whose path is the repository's src/NAME/NAME.csproj.</summary>
    private static JsonElement Project(JsonElement resources, string manifestDirectory, string resource, string project)
    {
        Assert.True(resources.TryGetProperty(resource, out var element), $"resource '{resource}' is missing from the manifest.");
        Assert.Equal("project.v0", element.GetProperty("type").GetString());
        var path = Path.GetFullPath(Path.Combine(manifestDirectory, element.GetProperty("path").GetString()!));
        Assert.Equal(RepositoryRoot.Combine("src", project, project + ".csproj"), path);
        return element;
    }

    private static string? Env(JsonElement resource, string name) =>
        resource.TryGetProperty("env", out var env) && env.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static async Task<(JsonElement Manifest, string Directory, string Text)> PublishAsync(string[] settings)
    {
        var (result, directory, text) = await RunPublisherAsync(settings);
        Assert.True(result.ExitCode == 0 && text is not null,
            $"The manifest publisher failed (exit {result.ExitCode}).\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}");
        using var document = JsonDocument.Parse(text);
        return (document.RootElement.Clone(), directory, text);
    }

    private static async Task<(ProcessResult Result, string Directory, string? Text)> RunPublisherAsync(string[] settings)
    {
        var appHost = Path.Combine(AppContext.BaseDirectory, "BitcoinVolume.AppHost.dll");
        Assert.True(File.Exists(appHost), $"{appHost} is missing: the test project references src/AppHost, which copies it here.");
        var directory = Directory.CreateTempSubdirectory("bitcoinvolume-manifest-").FullName;
        try
        {
            var output = Path.Combine(directory, "aspire-manifest.json");
            var result = await ExternalProcess.RunAsync(
                ExternalProcess.DotnetHost(),
                [appHost, "--publisher", "manifest", "--output-path", output, .. settings],
                directory,
                Timeout,
                env =>
                {
                    foreach (var key in env.Keys.Where(k => AppHostSettingPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
                    {
                        env.Remove(key);
                    }

                    env["DOTNET_ENVIRONMENT"] = "Production"; // no user secrets, no launch profile: only the arguments count
                    env.Remove("ASPNETCORE_ENVIRONMENT");
                });
            return (result, directory, File.Exists(output) ? await File.ReadAllTextAsync(output) : null);
        }
        finally
        {
            // The manifest is read; the folder only served as the AppHost's current folder.
            Directory.Delete(directory, recursive: true);
        }
    }
}
