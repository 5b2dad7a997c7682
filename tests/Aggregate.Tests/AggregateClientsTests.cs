using BitcoinVolume.Aggregate.Processing;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The aggregator's client settings: what exactly-once relies on cannot be configured away.</summary>
public sealed class AggregateClientsTests
{
    private static IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:kafka"] = "broker:9092",
        ["Kafka:security.protocol"] = "SASL_SSL",
        ["Kafka:fetch.wait.max.ms"] = "100",
        ["Kafka:ProvisionTopics"] = "false",
    }).Build();

    private static AggregateOptions Options() => new()
    {
        GroupId = "aggregate-a",
        Kafka = new Dictionary<string, string>
        {
            ["fetch.wait.max.ms"] = "10",       // the aggregator's own section wins over the shared one
            ["group.protocol"] = "consumer",
            ["enable.auto.commit"] = "true",    // fixed settings win over both
            ["auto.offset.reset"] = "earliest",
        },
    };

    [Fact]
    public void The_consumer_takes_shared_settings_then_its_own_section_then_the_fixed_ones()
    {
        var config = AggregateClients.ConsumerConfig(Configuration(), Options());

        Assert.Equal("broker:9092", config.BootstrapServers);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
        Assert.Equal(10, config.FetchWaitMaxMs);
        Assert.Equal(GroupProtocol.Consumer, config.GroupProtocol);
        Assert.Equal("aggregate-a", config.GroupId);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal(AutoOffsetReset.Error, config.AutoOffsetReset); // never jump silently
        Assert.Equal("aggregate", config.ClientId);
        Assert.DoesNotContain(config, kv => kv.Key == "ProvisionTopics");
    }

    [Fact]
    public void The_producer_is_idempotent_and_takes_only_the_shared_settings()
    {
        var config = AggregateClients.ProducerConfig(Configuration());

        Assert.Equal("broker:9092", config.BootstrapServers);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
        Assert.Equal("100", config.Get("fetch.wait.max.ms"));
        Assert.True(config.EnableIdempotence);
        Assert.Equal(Acks.All, config.Acks);
        Assert.Equal(CompressionType.Lz4, config.CompressionType);
        Assert.Equal(5, config.LingerMs);
        Assert.Equal("aggregate", config.ClientId);
    }

    [Fact]
    public void A_missing_bootstrap_address_names_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AggregateClients.ConsumerConfig(new ConfigurationBuilder().Build(), Options()));

        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }
}
