using System.Text.Json;
using System.Text.RegularExpressions;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>terraform/confluent-cloud: the topics of the code, one service account per service, least-privilege ACLs.</summary>
public sealed partial class ConfluentCloudTests
{
    private const string ClusterResourceName = "kafka-cluster";

    /// <summary>One ACL as (service, resource type, resource name, operation).</summary>
    private sealed record Acl(string Service, string ResourceType, string ResourceName, string Operation)
    {
        public override string ToString() => $"{Service}: {Operation} on {ResourceType} {ResourceName}";
    }

    /// <summary>What each service does with Kafka, from the issue and the services' code.</summary>
    private static readonly Acl[] ExpectedAcls =
    [
        new("ingest", "TOPIC", Topics.Trades, "WRITE"),
        new("ingest", "TOPIC", Topics.Trades, "DESCRIBE"),
        new("ingest", "TOPIC", Topics.TradesDeadLetter, "WRITE"),
        new("ingest", "TOPIC", Topics.TradesDeadLetter, "DESCRIBE"),
        new("ingest", "TOPIC", Topics.Status, "WRITE"),
        new("ingest", "TOPIC", Topics.Status, "DESCRIBE"),
        new("ingest", "CLUSTER", ClusterResourceName, "IDEMPOTENT_WRITE"),
        new("aggregate", "TOPIC", Topics.Trades, "READ"),
        new("aggregate", "TOPIC", Topics.Volumes1m, "WRITE"),
        new("aggregate", "TOPIC", Topics.Footprint1m, "WRITE"),
        new("aggregate", "TOPIC", Topics.TradesLate, "WRITE"),
        new("aggregate", "TOPIC", Topics.TradesLarge, "WRITE"),
        new("aggregate", "TOPIC", Topics.TradesDeadLetter, "WRITE"),
        new("aggregate", "TOPIC", Topics.Status, "WRITE"),
        new("aggregate", "GROUP", "aggregate", "READ"),
        new("aggregate", "GROUP", "aggregate", "DESCRIBE"),
        new("aggregate", "CLUSTER", ClusterResourceName, "IDEMPOTENT_WRITE"),
        new("sink", "TOPIC", Topics.Volumes1m, "READ"),
        new("sink", "TOPIC", Topics.Footprint1m, "READ"),
        new("sink", "GROUP", "sink-footprint", "READ"),
        new("sink", "TOPIC", Topics.Status, "READ"),
        new("sink", "GROUP", "sink", "READ"),
        new("sink", "TOPIC", Topics.TradesLarge, "READ"),
        new("sink", "GROUP", "sink-large-trades", "READ"),
    ];

    private static readonly string[] Services = ["ingest", "aggregate", "sink"];

    private static Task<TerraformModule> Module() => TerraformFiles.ModuleAsync("confluent-cloud");

    [Fact]
    public async Task Environment_and_Kafka_cluster_exist()
    {
        var module = await Module();
        var environment = Assert.Single(module.OfType("confluent_environment"));
        var cluster = Assert.Single(module.OfType("confluent_kafka_cluster"));
        Assert.Equal($"${{{environment.Address}.id}}", cluster.Block("environment")?.Text("id"));
        Assert.NotNull(module.Resolve(cluster.Text("cloud")));
        Assert.NotNull(module.Resolve(cluster.Text("region")));
    }

    [Fact]
    public async Task Topics_are_exactly_the_contract_topics_with_their_partition_counts_and_compaction()
    {
        var module = await Module();
        var cluster = Assert.Single(module.OfType("confluent_kafka_cluster"));
        var actual = new List<TopicSpec>();
        foreach (var topic in module.OfType("confluent_kafka_topic"))
        {
            // Literal names and counts: a reviewer (and this test) sees exactly what is provisioned.
            var name = topic.Text("topic_name");
            Assert.False(name is null || name.Contains("${", StringComparison.Ordinal), $"{topic}: topic_name must be a literal, not '{name}'.");
            var partitions = topic.Body.Attribute("partitions_count");
            Assert.True(partitions is { ValueKind: JsonValueKind.Number }, $"{topic}: partitions_count must be a literal number.");
            var cleanup = topic.Body.Attribute("config")?.Text("cleanup.policy") ?? "delete";
            actual.Add(new TopicSpec(name!, partitions!.Value.GetInt32(), Compacted: cleanup.Contains("compact", StringComparison.Ordinal)));
            Assert.Equal($"${{{cluster.Address}.id}}", topic.Block("kafka_cluster")?.Text("id"));
        }

        Assert.Equal(Topics.All.OrderBy(t => t.Name, StringComparer.Ordinal), actual.OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Volumes_topic_is_compacted()
    {
        var module = await Module();
        var volumes = Assert.Single(module.OfType("confluent_kafka_topic"), t => t.Text("topic_name") == Topics.Volumes1m);
        Assert.Equal("compact", volumes.Body.Attribute("config")?.Text("cleanup.policy"));
    }

    [Fact]
    public async Task Every_service_has_its_own_service_account_and_Kafka_API_key()
    {
        var module = await Module();
        var cluster = Assert.Single(module.OfType("confluent_kafka_cluster"));
        foreach (var service in Services)
        {
            var account = module.Resource("confluent_service_account", service);
            var keys = module.OfType("confluent_api_key").Where(k => k.Block("owner")?.Text("id") == $"${{{account.Address}.id}}").ToList();
            var key = Assert.Single(keys);
            Assert.Equal($"${{{cluster.Address}.id}}", key.Block("managed_resource")?.Text("id"));
        }
    }

    [Fact]
    public async Task ACLs_are_exactly_the_least_privileges_each_service_needs()
    {
        var module = await Module();
        var actual = new List<Acl>();
        foreach (var acl in module.OfType("confluent_kafka_acl"))
        {
            Assert.Equal("LITERAL", acl.Text("pattern_type"));
            Assert.Equal("ALLOW", acl.Text("permission"));
            Assert.Equal("*", acl.Text("host"));
            var principal = PrincipalReference().Match(acl.Text("principal") ?? "");
            Assert.True(principal.Success, $"{acl}: principal must be User:${{confluent_service_account.NAME.id}}, not '{acl.Text("principal")}'.");
            var resourceName = module.Resolve(acl.Text("resource_name"));
            Assert.False(resourceName is null or "*", $"{acl}: resource_name must be a literal or a topic's topic_name, not '{acl.Text("resource_name")}'.");
            actual.Add(new Acl(principal.Groups["account"].Value, acl.Text("resource_type") ?? "", resourceName!, acl.Text("operation") ?? ""));
        }

        var expected = ExpectedAcls.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
        var found = actual.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(found),
            $"ACLs differ.\nMissing:\n  {string.Join("\n  ", expected.Except(found))}\nNot needed:\n  {string.Join("\n  ", found.Except(expected))}");
    }

    [Fact]
    public async Task API_key_outputs_exist_for_every_service_and_are_sensitive()
    {
        var module = await Module();
        foreach (var service in Services)
        {
            Assert.Equal($"${{confluent_api_key.{service}.id}}", module.Outputs[$"{service}_kafka_api_key"].Text("value"));
            Assert.Equal($"${{confluent_api_key.{service}.secret}}", module.Outputs[$"{service}_kafka_api_secret"].Text("value"));
        }

        foreach (var (name, output) in module.Outputs)
        {
            var value = output.Attribute("value")?.GetRawText() ?? "";
            if (value.Contains("confluent_api_key.", StringComparison.Ordinal))
            {
                Assert.True(output.Attribute("sensitive")?.ValueKind == JsonValueKind.True, $"output {name} exposes an API key or secret: mark it sensitive = true.");
                Assert.DoesNotContain("confluent_api_key.manager", value, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Bootstrap_servers_output_is_the_cluster_endpoint_without_its_scheme()
    {
        var module = await Module();
        var value = module.Outputs["kafka_bootstrap_servers"].Text("value") ?? "";
        Assert.Contains("confluent_kafka_cluster.this.bootstrap_endpoint", value, StringComparison.Ordinal);
        Assert.Contains("SASL_SSL://", value, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^User:\$\{confluent_service_account\.(?<account>[A-Za-z0-9_-]+)\.id\}$")]
    private static partial Regex PrincipalReference();
}
