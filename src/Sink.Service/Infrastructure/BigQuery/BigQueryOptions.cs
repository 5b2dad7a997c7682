using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>Settings of the BigQuery store (<c>Sink:BigQuery:*</c>), used when <c>Sink:Store</c> is <c>bigquery</c>.</summary>
public sealed class BigQueryOptions : IValidatableObject
{
    public const string Section = "Sink:BigQuery";

    /// <summary>The REST root; a test or an emulator points it elsewhere.</summary>
    public const string DefaultBaseUrl = "https://bigquery.googleapis.com/bigquery/v2/";

    /// <summary>The scope asked for: streaming inserts only.</summary>
    public const string InsertScope = "https://www.googleapis.com/auth/bigquery.insertdata";

    /// <summary>Google Cloud project that owns the dataset.</summary>
    public string ProjectId { get; set; } = string.Empty;

    /// <summary>Dataset of the table.</summary>
    public string Dataset { get; set; } = string.Empty;

    /// <summary>Table receiving every version of every window (see <c>docs/SINK.md</c> for its DDL and the latest-version view).</summary>
    public string Table { get; set; } = "volumes_1m_versions";

    /// <summary>Table receiving every version of every footprint window (volume at price; DDL and view in <c>terraform/google-cloud</c>).</summary>
    public string FootprintTable { get; set; } = "footprint";

    /// <summary>Table receiving the large single trades of <c>trades.large</c> (one row per trade; a replay may add a copy).</summary>
    public string LargeTradesTable { get; set; } = "large_trades";

    /// <summary>REST root, ending in <c>/bigquery/v2/</c>.</summary>
    public Uri BaseUrl { get; set; } = new(DefaultBaseUrl);

    /// <summary>
    /// Service-account JSON key file. Empty: the <c>GOOGLE_APPLICATION_CREDENTIALS</c> environment variable names it.
    /// </summary>
    public string CredentialsPath { get; set; } = string.Empty;

    /// <summary>Send no Authorization header (local emulators only).</summary>
    public bool Anonymous { get; set; }

    /// <summary>Most rows in one <c>insertAll</c> request (Google recommends about 500; the hard limit is 50,000).</summary>
    [Range(1, 50_000)]
    public int MaxRowsPerRequest { get; set; } = 500;

    /// <summary>Retries of a request that failed with HTTP 429/5xx, a transport error or a timeout, and of rows rejected with a transient reason.</summary>
    [Range(0, 20)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>First retry delay in milliseconds (doubles each retry, with jitter).</summary>
    [Range(0, 60_000)]
    public int RetryDelayMs { get; set; } = 500;

    /// <summary>Timeout of one HTTP request, in seconds.</summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>The <c>insertAll</c> address of the volume table.</summary>
    public Uri InsertAllUri => InsertAllUriOf(Table);

    /// <summary>The <c>insertAll</c> address of <paramref name="table"/> in the dataset.</summary>
    public Uri InsertAllUriOf(string table) =>
        new(BaseUrl, $"projects/{Uri.EscapeDataString(ProjectId)}/datasets/{Uri.EscapeDataString(Dataset)}/tables/{Uri.EscapeDataString(table)}/insertAll");

    /// <summary>Throws naming the first invalid setting (for callers that construct the store without options validation).</summary>
    public void Validate()
    {
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), problems, validateAllProperties: true))
        {
            throw new InvalidOperationException(problems[0].ErrorMessage);
        }
    }

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ProjectId) || string.IsNullOrWhiteSpace(Dataset) || string.IsNullOrWhiteSpace(Table))
        {
            yield return new("Sink:Store=bigquery needs Sink:BigQuery:ProjectId, Sink:BigQuery:Dataset and Sink:BigQuery:Table.",
                [nameof(ProjectId), nameof(Dataset), nameof(Table)]);
        }

        if (string.IsNullOrWhiteSpace(FootprintTable) || string.IsNullOrWhiteSpace(LargeTradesTable))
        {
            yield return new("Sink:Store=bigquery needs Sink:BigQuery:FootprintTable (default footprint) and Sink:BigQuery:LargeTradesTable (default large_trades) to be non-empty.",
                [nameof(FootprintTable), nameof(LargeTradesTable)]);
        }

        var tables = new[] { Table, FootprintTable, LargeTradesTable };
        if (tables.Distinct(StringComparer.OrdinalIgnoreCase).Count() < tables.Length)
        {
            yield return new($"Sink:BigQuery:Table, Sink:BigQuery:FootprintTable and Sink:BigQuery:LargeTradesTable must be different tables, not '{Table}', '{FootprintTable}', '{LargeTradesTable}'.",
                [nameof(Table), nameof(FootprintTable), nameof(LargeTradesTable)]);
        }

        if (!BaseUrl.IsAbsoluteUri || !BaseUrl.AbsolutePath.EndsWith('/'))
        {
            yield return new($"Sink:BigQuery:BaseUrl must be an absolute URL ending in '/', not '{BaseUrl}'.", [nameof(BaseUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="BigQueryOptions"/> (its ranges and rules), run at start when the store is BigQuery.</summary>
[OptionsValidator]
internal sealed partial class BigQueryOptionsValidator : IValidateOptions<BigQueryOptions>;
