using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>terraform/google-cloud: the BigQuery dataset, table, latest-value view and the sink's service account.</summary>
public sealed partial class GoogleCloudTests
{
    private static readonly string[] Int64Types = ["INTEGER", "INT64"];
    private static readonly string[] BoolTypes = ["BOOLEAN", "BOOL"];
    private static readonly string[] DecimalTypes = ["NUMERIC", "BIGNUMERIC"];
    private static readonly string[] StringTypes = ["STRING"];
    private static readonly string[] TimestampTypes = ["TIMESTAMP"];

    private static Task<TerraformModule> Module() => TerraformFiles.ModuleAsync("google-cloud");

    [Fact]
    public async Task Dataset_keeps_its_tables_and_has_no_expiration()
    {
        var module = await Module();
        var dataset = Assert.Single(module.OfType("google_bigquery_dataset"));
        Assert.Null(dataset.Body.Attribute("default_table_expiration_ms"));
        Assert.Null(dataset.Body.Attribute("default_partition_expiration_ms"));
        Assert.NotEqual(JsonValueKind.True, dataset.Body.Attribute("delete_contents_on_destroy")?.ValueKind);
    }

    [Fact]
    public async Task Table_is_partitioned_by_day_on_window_start_and_clustered_by_venue_then_product()
    {
        var module = await Module();
        var table = Table(module);
        var partitioning = table.Block("time_partitioning") ?? throw new Xunit.Sdk.XunitException("volumes table has no time_partitioning.");
        Assert.Equal("DAY", partitioning.Text("type"));
        Assert.Equal("window_start", partitioning.Text("field"));
        Assert.Null(partitioning.Attribute("expiration_ms"));
        Assert.Null(table.Body.Attribute("expiration_time"));

        var clustering = table.Body.Attribute("clustering") ?? throw new Xunit.Sdk.XunitException("volumes table has no clustering.");
        Assert.Equal("venue", clustering[0].GetString());
        Assert.Equal("product", clustering[1].GetString());
        Assert.Equal(JsonValueKind.True, table.Body.Attribute("deletion_protection")?.ValueKind);
    }

    [Fact]
    public async Task Table_columns_are_typed()
    {
        var columns = await Columns();
        AssertColumn(columns, "window_start", TimestampTypes);
        AssertColumn(columns, "product", StringTypes);
        AssertColumn(columns, "venue", StringTypes);
        // Nullable: BigQuery adds only nullable columns to an existing table; NULL rows are coinbase (the view says so).
        Assert.Equal("NULLABLE", columns["venue"].Mode);
        AssertColumn(columns, "side", StringTypes);
        AssertColumn(columns, "trades", Int64Types);
        AssertColumn(columns, "version", Int64Types);
        AssertColumn(columns, "final", BoolTypes);
        foreach (var money in new[] { "base_volume", "quote_volume", "open", "high", "low", "close" })
        {
            AssertColumn(columns, money, DecimalTypes);
        }

        foreach (var key in new[] { "window_start", "product", "side", "version" })
        {
            Assert.Equal("REQUIRED", columns[key].Mode);
        }
    }

    [Fact]
    public async Task Table_has_a_column_of_the_right_type_for_every_field_of_WindowVolume()
    {
        // The table holds what crosses volumes.1m: every constructor parameter of the contract record, in snake_case.
        var columns = await Columns();
        var constructor = typeof(WindowVolume).GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        foreach (var parameter in constructor.GetParameters())
        {
            var column = SnakeCase(parameter.Name!);
            Assert.True(columns.ContainsKey(column), $"WindowVolume.{parameter.Name} has no column '{column}' in schema/volumes_1m.json.");
            AssertColumn(columns, column, TypesFor(parameter));
        }
    }

    [Fact]
    public async Task Latest_value_view_keeps_the_highest_version_of_every_window()
    {
        var module = await Module();
        var view = Assert.Single(module.OfType("google_bigquery_table"), t => t.Name == "latest" && t.Block("view") is not null);
        var definition = view.Block("view")!.Value;
        Assert.Equal(JsonValueKind.False, definition.Attribute("use_legacy_sql")?.ValueKind);
        var query = Whitespace().Replace(definition.Text("query") ?? "", " ");
        // Either QUALIFY ROW_NUMBER() OVER (...) = 1, or ROW_NUMBER() OVER (...) AS r in a subquery and WHERE r = 1.
        var rank = LatestVersionRank().Match(query);
        Assert.True(rank.Success, $"The view does not rank rows by version within (venue, product, side, window_start):\n{query}");
        Assert.Contains("IFNULL(venue, 'coinbase')", query, StringComparison.Ordinal);
        var keepsFirst = rank.Groups["qualify"].Success || Regex.IsMatch(query, $@"(?i)WHERE {rank.Groups["alias"].Value} = 1\b");
        Assert.True(keepsFirst, $"The view does not keep only the first-ranked row:\n{query}");
        Assert.Contains($"${{{Table(module).Address}.table_id}}", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sink_service_account_has_only_dataEditor_on_the_dataset_and_jobUser_on_the_project()
    {
        var module = await Module();
        var account = Assert.Single(module.OfType("google_service_account"));
        var dataset = Assert.Single(module.OfType("google_bigquery_dataset"));
        var member = $"serviceAccount:${{{account.Address}.email}}";

        var iam = module.Resources.Where(r => IamResource().IsMatch(r.Type)).ToList();
        Assert.DoesNotContain(iam, r => !r.Type.EndsWith("_iam_member", StringComparison.Ordinal)); // no authoritative bindings/policies
        var grants = iam.Where(r => r.Text("member") == member).Select(r => $"{r.Type} {r.Text("role")}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["google_bigquery_dataset_iam_member roles/bigquery.dataEditor", "google_project_iam_member roles/bigquery.jobUser"], grants);

        var datasetGrant = Assert.Single(iam, r => r.Type == "google_bigquery_dataset_iam_member");
        Assert.Equal($"${{{dataset.Address}.dataset_id}}", datasetGrant.Text("dataset_id"));
    }

    [Fact]
    public async Task Service_account_key_output_is_sensitive()
    {
        var module = await Module();
        foreach (var (name, output) in module.Outputs)
        {
            if ((output.Attribute("value")?.GetRawText() ?? "").Contains("google_service_account_key", StringComparison.Ordinal))
            {
                Assert.True(output.Attribute("sensitive")?.ValueKind == JsonValueKind.True, $"output {name} exposes a service account key: mark it sensitive = true.");
            }
        }

        Assert.True(module.Outputs.ContainsKey("sink_service_account_email"));
    }

    [Theory]
    [InlineData("footprint", "window_start")]
    [InlineData("large_trades", "time")]
    public async Task Footprint_and_large_trades_tables_are_partitioned_by_day_clustered_by_venue_then_product_and_protected(string name, string partitionField)
    {
        var table = Table(await Module(), name);
        var partitioning = table.Block("time_partitioning") ?? throw new Xunit.Sdk.XunitException($"{name} table has no time_partitioning.");
        Assert.Equal("DAY", partitioning.Text("type"));
        Assert.Equal(partitionField, partitioning.Text("field"));
        Assert.Null(partitioning.Attribute("expiration_ms"));
        var clustering = table.Body.Attribute("clustering")!.Value.EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["venue", "product"], clustering);
        Assert.Equal(JsonValueKind.True, table.Body.Attribute("deletion_protection")?.ValueKind);
    }

    [Fact]
    public async Task Footprint_table_has_the_FootprintWindow_columns_and_levels_as_a_repeated_record()
    {
        var schema = await SchemaAsync("footprint");
        var columns = ColumnsOf(schema);
        Assert.Equal(["venue", "product", "window_start", "tick", "trades", "levels", "version", "final", "inserted_at"], columns.Keys.ToArray());
        AssertColumn(columns, "venue", StringTypes);
        AssertColumn(columns, "product", StringTypes);
        AssertColumn(columns, "window_start", TimestampTypes);
        AssertColumn(columns, "tick", DecimalTypes);
        AssertColumn(columns, "trades", Int64Types);
        AssertColumn(columns, "version", Int64Types);
        AssertColumn(columns, "final", BoolTypes);
        AssertColumn(columns, "inserted_at", TimestampTypes);
        Assert.Equal(new Column("RECORD", "REPEATED"), columns["levels"]);

        // The levels hold FootprintLevel, every constructor parameter in snake_case.
        var levels = ColumnsOf(schema.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "levels").GetProperty("fields"));
        var parameters = typeof(FootprintLevel).GetConstructors().Single().GetParameters();
        Assert.Equal(parameters.Select(p => SnakeCase(p.Name!)).ToArray(), levels.Keys.ToArray());
        foreach (var parameter in parameters)
        {
            AssertColumn(levels, SnakeCase(parameter.Name!), TypesFor(parameter));
        }
    }

    [Fact]
    public async Task Large_trades_table_has_a_column_of_the_right_type_for_every_field_of_LargeTrade()
    {
        var columns = await Columns("large_trades");
        foreach (var parameter in typeof(LargeTrade).GetConstructors().Single().GetParameters())
        {
            var column = SnakeCase(parameter.Name!);
            Assert.True(columns.ContainsKey(column), $"LargeTrade.{parameter.Name} has no column '{column}' in schema/large_trades.json.");
            AssertColumn(columns, column, TypesFor(parameter));
            Assert.Equal("REQUIRED", columns[column].Mode);
        }

        AssertColumn(columns, "inserted_at", TimestampTypes);
    }

    [Fact]
    public async Task Footprint_view_keeps_the_highest_version_of_every_window_and_the_outputs_name_the_settings()
    {
        var module = await Module();
        var view = Assert.Single(module.OfType("google_bigquery_table"), t => t.Name == "footprint_latest" && t.Block("view") is not null);
        var definition = view.Block("view")!.Value;
        Assert.Equal(JsonValueKind.False, definition.Attribute("use_legacy_sql")?.ValueKind);
        var query = Whitespace().Replace(definition.Text("query") ?? "", " ");
        Assert.Matches(@"(?i)QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY venue, product, window_start ORDER BY version DESC[^)]*\) = 1\b", query);
        Assert.Contains($"${{{Table(module, "footprint").Address}.table_id}}", query, StringComparison.Ordinal);

        Assert.Equal(["footprint", "footprint_latest", "large_trades", "latest", "versions"], module.OfType("google_bigquery_table").Select(t => t.Name).Order(StringComparer.Ordinal).ToArray());
        foreach (var output in new[] { "footprint_table_id", "footprint_view_id", "large_trades_table_id" })
        {
            Assert.True(module.Outputs.ContainsKey(output), $"output {output} is missing.");
        }

        Assert.Contains("Sink:BigQuery:FootprintTable", module.Outputs["footprint_table_id"].Text("description"), StringComparison.Ordinal);
        Assert.Contains("Sink:BigQuery:LargeTradesTable", module.Outputs["large_trades_table_id"].Text("description"), StringComparison.Ordinal);
    }

    private sealed record Column(string Type, string Mode);

    /// <summary>The table resource <c>google_bigquery_table.NAME</c> (not a view).</summary>
    private static TerraformResource Table(TerraformModule module, string name = "versions") =>
        Assert.Single(module.OfType("google_bigquery_table"), t => t.Name == name && t.Block("view") is null);

    private static async Task<Dictionary<string, Column>> Columns(string table = "versions") => ColumnsOf(await SchemaAsync(table));

    /// <summary>The schema file of a table (its <c>schema = file(...)</c>), parsed.</summary>
    private static async Task<JsonElement> SchemaAsync(string table)
    {
        var module = await Module();
        var schema = Table(module, table).Text("schema") ?? "";
        var file = SchemaFile().Match(schema);
        Assert.True(file.Success, $"The table's schema should be file(\"${{path.module}}/...json\"), not {schema}.");
        var path = RepositoryRoot.Combine([.. module.Folder.Split('/'), .. file.Groups["path"].Value.Split('/')]);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return document.RootElement.Clone();
    }

    private static Dictionary<string, Column> ColumnsOf(JsonElement fields) =>
        fields.EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => new Column(c.GetProperty("type").GetString()!, c.TryGetProperty("mode", out var m) ? m.GetString()! : "NULLABLE"),
            StringComparer.Ordinal);

    private static void AssertColumn(Dictionary<string, Column> columns, string name, string[] types)
    {
        Assert.True(columns.TryGetValue(name, out var column), $"column {name} is missing.");
        Assert.True(types.Contains(column!.Type), $"column {name} is {column.Type}; expected one of {string.Join(", ", types)}.");
    }

    private static string[] TypesFor(ParameterInfo parameter) => parameter.ParameterType switch
    {
        var t when t == typeof(string) || t.IsEnum => StringTypes,
        var t when t == typeof(DateTimeOffset) || t == typeof(DateTime) => TimestampTypes,
        var t when t == typeof(long) || t == typeof(int) => Int64Types,
        var t when t == typeof(decimal) => DecimalTypes,
        var t when t == typeof(bool) => BoolTypes,
        var t => throw new Xunit.Sdk.XunitException($"No BigQuery type known for WindowVolume.{parameter.Name} ({t.Name}): extend the schema and this test."),
    };

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsDigit(name[i - 1]))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?i)(?<qualify>QUALIFY )?ROW_NUMBER\(\) OVER \(PARTITION BY venue, product, side, window_start ORDER BY version DESC[^)]*\)(?(qualify) = 1\b| AS (?<alias>\w+))")]
    private static partial Regex LatestVersionRank();

    [GeneratedRegex(@"^google_.*_iam_(member|binding|policy)$")]
    private static partial Regex IamResource();

    [GeneratedRegex(@"^\$\{file\(""\$\{path\.module\}/(?<path>[^""]+)""\)\}$")]
    private static partial Regex SchemaFile();
}
