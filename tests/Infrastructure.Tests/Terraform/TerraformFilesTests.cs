using System.Text.Json;
using System.Text.RegularExpressions;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>Every .tf file parses with HashiCorp's HCL parser, and the modules follow the house rules.</summary>
public sealed partial class TerraformFilesTests
{
    public static TheoryData<string> ModuleNames => [.. TerraformFiles.Modules];

    [Fact]
    public async Task Every_tf_file_of_the_repository_parses_with_the_HCL_parser()
    {
        var all = TerraformFiles.All();
        foreach (var module in TerraformFiles.Modules)
        {
            foreach (var required in new[] { "main.tf", "variables.tf", "outputs.tf", "versions.tf" })
            {
                Assert.Contains($"{TerraformFiles.Root}/{module}/{required}", all);
            }
        }

        var parsed = await TerraformFiles.ParseAllAsync();
        Assert.Equal(all, parsed.Keys.Order(StringComparer.Ordinal));
        var errors = parsed.Where(p => p.Value.Error is not null).Select(p => $"{p.Key}: {p.Value.Error}").ToList();
        Assert.True(errors.Count == 0, "Terraform files that do not parse:\n" + string.Join('\n', errors));
    }

    [Fact]
    public async Task The_parser_rejects_malformed_HCL()
    {
        // Proves the check above is a real parse, not a file listing: a missing brace and a missing value are errors.
        var dir = Directory.CreateTempSubdirectory("hcl-parse-");
        try
        {
            var unclosed = Path.Combine(dir.FullName, "unclosed.tf");
            var noValue = Path.Combine(dir.FullName, "novalue.tf");
            var valid = Path.Combine(dir.FullName, "valid.tf");
            await File.WriteAllTextAsync(unclosed, "resource \"a\" \"b\" {\n  x = 1\n");
            await File.WriteAllTextAsync(noValue, "variable \"v\" {\n  default =\n}\n");
            await File.WriteAllTextAsync(valid, "variable \"v\" {\n  default = 6\n}\n");

            var parsed = await HclParser.ParseAsync([unclosed, noValue, valid]);

            Assert.NotNull(parsed[unclosed].Error);
            Assert.NotNull(parsed[noValue].Error);
            Assert.Null(parsed[valid].Error);
            Assert.Equal(6, parsed[valid].Json!.Value.GetProperty("variable").GetProperty("v")[0].GetProperty("default").GetInt32());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public async Task Every_variable_has_a_description_and_a_type(string name)
    {
        var module = await TerraformFiles.ModuleAsync(name);
        Assert.NotEmpty(module.Variables);
        foreach (var (variable, body) in module.Variables)
        {
            Assert.True(body.Text("description") is { Length: > 10 }, $"{module.Folder}: variable {variable} needs a description.");
            Assert.True(body.Attribute("type") is not null, $"{module.Folder}: variable {variable} needs a type.");
        }
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public async Task Every_output_has_a_description(string name)
    {
        var module = await TerraformFiles.ModuleAsync(name);
        Assert.NotEmpty(module.Outputs);
        foreach (var (output, body) in module.Outputs)
        {
            Assert.True(body.Text("description") is { Length: > 10 }, $"{module.Folder}: output {output} needs a description.");
        }
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public async Task Terraform_and_every_provider_are_pinned(string name)
    {
        var module = await TerraformFiles.ModuleAsync(name);
        Assert.Contains(module.Files.Keys, f => f.EndsWith("/versions.tf", StringComparison.Ordinal));
        var settings = Assert.Single(module.Settings);
        Assert.True(settings.Text("required_version") is { Length: > 0 }, $"{module.Folder}: terraform.required_version is not set.");

        var providers = settings.Block("required_providers") ?? throw new Xunit.Sdk.XunitException($"{module.Folder}: no required_providers.");
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in providers.EnumerateObject())
        {
            declared.Add(provider.Name);
            Assert.Matches(@"^[a-z0-9-]+/[a-z0-9-]+$", provider.Value.Text("source") ?? "");
            var version = provider.Value.Text("version") ?? "";
            Assert.True(UpperBound().IsMatch(version), $"{module.Folder}: provider {provider.Name} version '{version}' has no upper bound (use ~> or <).");
        }

        foreach (var resource in module.Resources)
        {
            var prefix = resource.Type.Split('_')[0];
            Assert.True(declared.Contains(prefix), $"{module.Folder}: {resource.Address} uses provider '{prefix}', which required_providers does not pin.");
        }
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public async Task No_provider_block_holds_a_literal_credential(string name)
    {
        var module = await TerraformFiles.ModuleAsync(name);
        foreach (var (provider, body) in module.Providers)
        {
            foreach (var attribute in body.EnumerateObject())
            {
                var literal = attribute.Value.ValueKind == JsonValueKind.String && !(attribute.Value.GetString() ?? "").Contains("${", StringComparison.Ordinal);
                Assert.False(literal && CredentialName().IsMatch(attribute.Name), $"{module.Folder}: provider {provider} sets {attribute.Name} to a literal.");
            }
        }
    }

    [Fact]
    public async Task Nothing_is_configured_to_expire_data()
    {
        // No table, partition or dataset expiration anywhere: volumes are kept until deleted on purpose.
        var parsed = await TerraformFiles.ParseAllAsync();
        var found = new List<string>();
        foreach (var (file, result) in parsed)
        {
            if (result.Json is { } json)
            {
                Walk(json, file, found);
            }
        }

        Assert.True(found.Count == 0, "Expiration settings found:\n" + string.Join('\n', found));

        static void Walk(JsonElement element, string path, List<string> found)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name.Contains("expir", StringComparison.OrdinalIgnoreCase))
                        {
                            found.Add($"{path}/{property.Name}");
                        }

                        Walk(property.Value, $"{path}/{property.Name}", found);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, path, found);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    [Fact]
    public void Every_module_has_a_README_with_its_apply_steps()
    {
        var overview = File.ReadAllText(RepositoryRoot.Combine(TerraformFiles.Root, "README.md"));
        Assert.DoesNotContain("Placeholder", overview, StringComparison.OrdinalIgnoreCase);
        foreach (var module in TerraformFiles.Modules)
        {
            Assert.Contains(module, overview, StringComparison.Ordinal);
            var readme = RepositoryRoot.Combine(TerraformFiles.Root, module, "README.md");
            Assert.True(File.Exists(readme), $"{readme} is missing.");
            var text = File.ReadAllText(readme);
            Assert.Contains("terraform init", text, StringComparison.Ordinal);
            Assert.Contains("terraform apply", text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"~>|<")]
    private static partial Regex UpperBound();

    [GeneratedRegex(@"(?i)key|secret|token|password|credentials")]
    private static partial Regex CredentialName();
}
