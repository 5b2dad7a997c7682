using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Kafka.Tests;

/// <summary>The one overlay of librdkafka settings every client of every service is built with.</summary>
public sealed class KafkaClientSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static readonly IConfiguration Shared = Configuration(
        ("ConnectionStrings:kafka", "broker-1:9092,broker-2:9092"),
        ("Kafka:security.protocol", "SASL_SSL"),
        ("Kafka:sasl.mechanism", "PLAIN"),
        ("Kafka:sasl.username", "api-key"),
        ("Kafka:sasl.password", "api-secret-value"),
        ("Kafka:fetch.wait.max.ms", "500"),
        ("Kafka:ProvisionTopics", "false"));

    [Fact]
    public void Shared_settings_come_first_and_the_services_own_section_goes_on_top()
    {
        var settings = KafkaClientSettings.From(Shared, new Dictionary<string, string>
        {
            ["fetch.wait.max.ms"] = "10",
            ["group.protocol"] = "consumer",
        });

        Assert.Equal("10", settings.Properties["fetch.wait.max.ms"]);
        Assert.Equal("consumer", settings.Properties["group.protocol"]);
        Assert.Equal("SASL_SSL", settings.Properties["security.protocol"]);
        Assert.Equal("api-secret-value", settings.Properties["sasl.password"]);
        Assert.DoesNotContain(settings.Properties.Keys, k => k.Equals("ProvisionTopics", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Without_a_service_section_a_client_gets_exactly_the_shared_settings()
    {
        var settings = KafkaClientSettings.From(Shared);

        Assert.Equal(
            ["fetch.wait.max.ms=500", "sasl.mechanism=PLAIN", "sasl.password=api-secret-value", "sasl.username=api-key", "security.protocol=SASL_SSL"],
            settings.Properties.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_bootstrap_servers_are_always_those_of_the_connection_string()
    {
        var configuration = Configuration(("ConnectionStrings:kafka", "real:9092"), ("Kafka:bootstrap.servers", "shared:9092"));

        var settings = KafkaClientSettings.From(configuration, new Dictionary<string, string> { ["bootstrap.servers"] = "service:9092" });
        var config = settings.ToConsumerConfig();

        Assert.Equal("real:9092", settings.BootstrapServers);
        Assert.Equal("real:9092", config.BootstrapServers);
    }

    [Fact]
    public void Applied_to_a_client_config_the_settings_are_there_and_what_the_client_fixes_afterwards_wins()
    {
        var config = KafkaClientSettings.From(Shared, new Dictionary<string, string> { ["enable.auto.commit"] = "true" }).ToConsumerConfig();
        config.EnableAutoCommit = false;

        Assert.Equal("broker-1:9092,broker-2:9092", config.BootstrapServers);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
        Assert.Equal("api-key", config.SaslUsername);
        Assert.False(config.EnableAutoCommit);
        Assert.IsType<ProducerConfig>(KafkaClientSettings.From(Shared).ApplyTo(new ProducerConfig()));
        Assert.Equal("PLAIN", KafkaClientSettings.From(Shared).ToAdminClientConfig().Get("sasl.mechanism"));
        Assert.Equal("500", KafkaClientSettings.From(Shared).ToClientConfig().Get("fetch.wait.max.ms"));
    }

    [Fact]
    public void The_logged_form_masks_every_secret_and_shows_the_rest()
    {
        var settings = KafkaClientSettings.From(Shared, new Dictionary<string, string>
        {
            ["ssl.key.password"] = "key-pass",
            ["sasl.oauthbearer.client.secret"] = "oauth-secret",
            ["ssl.key.pem"] = "the-private-key-body",
            ["sasl.oauthbearer.config"] = "principal=x secret=y",
            ["ssl.certificate.pem"] = "-----BEGIN CERTIFICATE-----",
        });

        var text = settings.ToString();

        foreach (var secret in new[] { "api-secret-value", "key-pass", "oauth-secret", "the-private-key-body", "secret=y" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.StartsWith("bootstrap.servers=broker-1:9092,broker-2:9092, ", text, StringComparison.Ordinal);
        Assert.Contains("sasl.password=***", text, StringComparison.Ordinal);
        Assert.Contains("ssl.key.password=***", text, StringComparison.Ordinal);
        Assert.Contains("sasl.username=api-key", text, StringComparison.Ordinal);
        Assert.Contains("ssl.certificate.pem=-----BEGIN CERTIFICATE-----", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sasl.password", true)]
    [InlineData("SASL.PASSWORD", true)]
    [InlineData("ssl.keystore.password", true)]
    [InlineData("sasl.oauthbearer.client.secret", true)]
    [InlineData("ssl.key.pem", true)]
    [InlineData("sasl.username", false)]
    [InlineData("ssl.ca.location", false)]
    [InlineData("group.id", false)]
    public void Secrets_are_recognized_by_their_property_name(string key, bool secret) =>
        Assert.Equal(secret, KafkaClientSettings.IsSecret(key));

    [Fact]
    public void A_missing_connection_string_names_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KafkaClientSettings.From(Configuration(("Kafka:acks", "all"))));

        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_line_bootstrap_address_gives_settings_without_properties()
    {
        var settings = KafkaClientSettings.ForBootstrapServers("127.0.0.1:9092");

        Assert.Equal("127.0.0.1:9092", settings.ToAdminClientConfig().BootstrapServers);
        Assert.Empty(settings.Properties);
        Assert.Equal("bootstrap.servers=127.0.0.1:9092", settings.ToString());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("no", true)] // not a boolean: the default
    public void Topic_provisioning_is_on_unless_switched_off(string? value, bool expected)
    {
        var configuration = value is null ? Configuration() : Configuration(("Kafka:ProvisionTopics", value));

        Assert.Equal(expected, KafkaSettings.ProvisionTopics(configuration));
    }
}
