using Aspire.Hosting;

namespace BitcoinVolume.Infrastructure.Tests.Manifest;

/// <summary>How the AppHost names the parameter of each setting and which settings it treats as secrets.</summary>
public sealed class SettingParametersTests
{
    [Theory]
    [InlineData("Ingest:Source", "ingest-source")]
    [InlineData("Ingest:Products:0", "ingest-products-0")]
    [InlineData("Aggregate:Kafka:fetch.wait.max.ms", "aggregate-kafka-fetch-wait-max-ms")]
    [InlineData("Kafka:sasl.password", "kafka-sasl-password")]
    [InlineData("Sink:BigQuery:ProjectId", "sink-bigquery-projectid")]
    [InlineData("Ingest:Live:_x__y_", "ingest-live-x-y")]
    [InlineData("0:weird", "setting-0-weird")]
    public void Parameter_names_are_lower_case_letters_digits_and_single_hyphens(string key, string expected) =>
        Assert.Equal(expected, SettingParameters.NameOf(key));

    [Theory]
    [InlineData("Kafka:sasl.password", true)]
    [InlineData("Kafka:sasl.jaas.config", true)]
    [InlineData("Sink:BigQuery:AccessToken", true)]
    [InlineData("Sink:BigQuery:CredentialsPath", true)]
    [InlineData("Kafka:ssl.key.password", true)]
    [InlineData("Kafka:sasl.username", false)]
    [InlineData("Ingest:Source", false)]
    [InlineData("Aggregate:StatePath", false)]
    public void Secret_settings_are_recognised_by_name(string key, bool secret) =>
        Assert.Equal(secret, SettingParameters.IsSecret(key));

    [Fact]
    public void Environment_names_use_double_underscores() =>
        Assert.Equal("Aggregate__Kafka__fetch.wait.max.ms", SettingParameters.EnvironmentName("Aggregate:Kafka:fetch.wait.max.ms"));
}
