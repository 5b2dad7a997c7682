using BitcoinVolume.Sink.Infrastructure.BigQuery;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The BigQuery settings are checked by a source-generated validator at start (ranges and the rules the store needs).</summary>
public sealed class BigQueryOptionsValidationTests
{
    private static BigQueryOptions Valid() => new() { ProjectId = "project", Dataset = "bitcoinvolume", Table = "volumes_1m" };

    [Fact]
    public void Complete_settings_are_valid() =>
        Assert.True(new BigQueryOptionsValidator().Validate(null, Valid()).Succeeded);

    [Fact]
    public void Missing_table_names_are_reported_with_the_setting_names()
    {
        var options = Valid();
        options.Table = "";
        var result = new BigQueryOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Sink:BigQuery:ProjectId, Sink:BigQuery:Dataset and Sink:BigQuery:Table", result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(options.Validate);
    }

    [Fact]
    public void Out_of_range_retries_are_reported()
    {
        var options = Valid();
        options.RetryAttempts = 99;
        var result = new BigQueryOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(nameof(BigQueryOptions.RetryAttempts), result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base_url_without_a_trailing_slash_is_reported()
    {
        var options = Valid();
        options.BaseUrl = new Uri("https://bigquery.example/v2", UriKind.Absolute);
        Assert.Contains("must be an absolute URL ending in '/'", new BigQueryOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }
}
