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

    [Fact]
    public void The_footprint_and_large_trades_tables_default_and_must_be_named_and_distinct()
    {
        Assert.Equal("footprint", Valid().FootprintTable);
        Assert.Equal("large_trades", Valid().LargeTradesTable);

        var empty = Valid();
        empty.LargeTradesTable = " ";
        Assert.Contains("Sink:BigQuery:LargeTradesTable", new BigQueryOptionsValidator().Validate(null, empty).FailureMessage, StringComparison.Ordinal);

        var same = Valid();
        same.FootprintTable = "volumes_1m";
        var result = new BigQueryOptionsValidator().Validate(null, same);
        Assert.True(result.Failed);
        Assert.Contains("must be different tables", result.FailureMessage, StringComparison.Ordinal);
    }
}
