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
        ["ConnectionStrings__", "ConnectionStrings:", "Ingest__", "Ingest:", "DevBroker__", "DevBroker:", "Aggregate__", "Aggregate:"];

    [Fact]
    public async Task Development_manifest_has_the_development_broker_and_every_service_with_its_settings()
    {
        var (manifest, directory) = await PublishAsync([]);
        var resources = manifest.GetProperty("resources");

        var broker = Project(resources, directory, "kafka-dev", "DevBroker");
        Assert.Equal("9092", Env(broker, "DevBroker__Port"));
        foreach (var service in Services)
        {
            var resource = Project(resources, directory, service, service switch
            {
                "ingest" => "Ingest.Service",
                "aggregate" => "Aggregate.Service",
                _ => "Sink.Service",
            });
            Assert.Equal("127.0.0.1:9092", Env(resource, "ConnectionStrings__kafka"));
        }

        Assert.Null(Env(resources.GetProperty("ingest"), "Ingest__Source"));
        Assert.False(string.IsNullOrEmpty(Env(resources.GetProperty("aggregate"), "Aggregate__StatePath")), "aggregate gets its state folder");
        var volumes = Env(resources.GetProperty("sink"), "ConnectionStrings__volumes");
        Assert.StartsWith("Data Source=", volumes, StringComparison.Ordinal);
        Assert.EndsWith("volumes.db", volumes, StringComparison.Ordinal);
        Assert.True(resources.GetProperty("sink").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean(), "the sink's HTTP API is external");
    }

    [Fact]
    public async Task Manifest_for_a_real_cluster_has_no_development_broker_and_carries_every_given_setting()
    {
        const string Cluster = "broker-1.example.internal:9092,broker-2.example.internal:9092";
        const string Volumes = "Data Source=/var/lib/bitcoinvolume/volumes.db";
        const string State = "/var/lib/bitcoinvolume/aggregate-state";
        var (manifest, directory) = await PublishAsync(
        [
            "--ConnectionStrings:kafka", Cluster,
            "--ConnectionStrings:volumes", Volumes,
            "--Ingest:Source", "replay:recordings/day.ndjson",
            "--Ingest:Products", "BTC-USD,ETH-USD",
            "--Aggregate:StatePath", State,
        ]);
        var resources = manifest.GetProperty("resources");

        Assert.False(resources.TryGetProperty("kafka-dev", out _), "no development broker when ConnectionStrings:kafka is given");
        foreach (var service in Services)
        {
            Assert.Equal(Cluster, Env(resources.GetProperty(service), "ConnectionStrings__kafka"));
        }

        var ingest = resources.GetProperty("ingest");
        // A relative replay path is taken from the AppHost's current folder (here: the manifest's folder).
        Assert.Equal("replay:" + Path.Combine(directory, "recordings", "day.ndjson"), Env(ingest, "Ingest__Source"));
        Assert.Equal("BTC-USD", Env(ingest, "Ingest__Products__0"));
        Assert.Equal("ETH-USD", Env(ingest, "Ingest__Products__1"));
        Assert.Equal(Volumes, Env(resources.GetProperty("sink"), "ConnectionStrings__volumes"));
        Assert.Equal(State, Env(resources.GetProperty("aggregate"), "Aggregate__StatePath"));
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

    private static async Task<(JsonElement Manifest, string Directory)> PublishAsync(string[] settings)
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
            Assert.True(result.ExitCode == 0 && File.Exists(output),
                $"The manifest publisher failed (exit {result.ExitCode}).\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}");
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            return (document.RootElement.Clone(), directory);
        }
        finally
        {
            // The manifest is read; the folder only served as the AppHost's current folder.
            Directory.Delete(directory, recursive: true);
        }
    }
}
