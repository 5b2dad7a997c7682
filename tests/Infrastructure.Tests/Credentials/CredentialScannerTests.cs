using System.Text;

namespace BitcoinVolume.Infrastructure.Tests.Credentials;

/// <summary>
/// The scanner catches each kind of credential and leaves ordinary text alone. Every sample is assembled at run time
/// (from pieces and generated random characters), so this file itself holds nothing credential-shaped.
/// </summary>
public sealed class CredentialScannerTests
{
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private const string AlphaNumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static TheoryData<string, string> Credentials()
    {
        var dashes = new string('-', 5);
        var upper = Random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, seed: 1);
        return new TheoryData<string, string>
        {
            { "private key block", $"{dashes}BEGIN RSA {"PRIVATE"} KEY{dashes}" },
            { "private key block", $"{dashes}BEGIN {"OPENSSH"} {"PRIVATE"} KEY{dashes}" },
            { "private key block", $"  \"key\": \"{dashes}BEGIN {"PRIVATE"} KEY{dashes}\\nMIIE\"" },
            { "AWS access key id", $"aws_access_key_id = {"AK" + "IA"}{upper}" },
            { "Google service-account private key", $"  \"{"private" + "_key"}\": \"{Random(Base64Alphabet, 40, seed: 2)}\"," },
            { "well-known token format", $"GITHUB = {"gh" + "p_"}{Random(AlphaNumeric, 36, seed: 3)}" },
            { "well-known token format", $"key: {"AI" + "za"}{Random(AlphaNumeric, 35, seed: 4)}" },
            { "API secret (64 base64 characters near 'secret')", $"api {"sec" + "ret"}: {Random(Base64Alphabet, 64, seed: 5)}" },
            { "API secret (64 base64 characters near 'secret')", $"# kafka {"sec" + "ret"}\n{Random(Base64Alphabet, 64, seed: 6)}" },
            { "password in a connection string", $"\"Host=db.internal;Username=sink;{"Pass" + "word"}=Tr0ub4dor3x;Database=volumes\"" },
            { "password in a connection string", $"Server=sql1;User Id=sa;{"Pw" + "d"}=s3cr3tValue" },
            { "password in a URL", $"postgres://sink:{"hunter" + "2hunter2"}@db.internal:5432/volumes" },
            { "high-entropy value assigned to 'client_secret'", $"client_{"sec" + "ret"} = \"{Random(AlphaNumeric, 32, seed: 7)}\"" },
            { "high-entropy value assigned to 'ACCESS_TOKEN'", $"export ACCESS_{"TO" + "KEN"}={Random(AlphaNumeric, 40, seed: 8)}" },
            { "high-entropy value assigned to 'db_password'", $"  \"db_{"pass" + "word"}\": \"{Random(AlphaNumeric, 24, seed: 9)}\"" },
        };
    }

    public static TheoryData<string> Ordinary() =>
    [
        "var token = cancellationToken;",
        "await Task.Delay(100, stoppingToken).ConfigureAwait(false);",
        "public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();",
        "\"Host=db;Username=sink;" + "Pass" + "word=${DB_PASSWORD}\"",
        "\"Host=db;Username=sink;" + "Pass" + "word=<from your secret store>\"",
        "Data Source=data/volumes.db",
        "  --ConnectionStrings:volumes \"Host=localhost;Username=sink;" + "Pass" + "word=secret;Database=volumes\"",
        "postgres://sink:" + "pass" + "word@localhost:5432/volumes",
        "export CONFLUENT_CLOUD_API_" + "SECRET=\"$(pass show confluent/api-secret)\"",
        "sasl.password = key.secret",
        "value = confluent_api_key.sink.secret",
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----",
        "sha256 of the " + "sec" + "ret file: " + Random("0123456789abcdef", 64, seed: 10),
        "\"integrity\": \"sha512-" + Random(Base64Alphabet, 86, seed: 11) + "==\"",
        "https://user:${TOKEN}@example.invalid/repo.git",
        "{\"type\":\"match\",\"trade_id\":162047318,\"maker_order_id\":\"7e1b1b8e-8a6e-4d57-9d4d-2a5f1c9e3b10\",\"side\":\"sell\"}",
        "api_key = \"your-api-key-goes-here-please\"",
    ];

    [Theory]
    [MemberData(nameof(Credentials))]
    public void Each_kind_of_credential_is_found(string rule, string sample)
    {
        var findings = CredentialScanner.Scan("sample.txt", sample);
        Assert.Contains(findings, f => f.Rule == rule);
    }

    [Theory]
    [MemberData(nameof(Ordinary))]
    public void Ordinary_text_is_not_reported(string sample) =>
        Assert.Empty(CredentialScanner.Scan("sample.txt", sample));

    [Fact]
    public void Findings_name_file_and_line_but_never_show_the_value()
    {
        var value = Random(AlphaNumeric, 32, seed: 12);
        var findings = CredentialScanner.Scan("config/app.env", $"A=1\nAPI_{"TO" + "KEN"}={value}\n");
        var finding = Assert.Single(findings);
        Assert.Equal(("config/app.env", 2), (finding.Path, finding.Line));
        Assert.DoesNotContain(value, finding.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(value[4..], finding.Preview, StringComparison.Ordinal);
    }

    [Fact]
    public void The_allow_marker_exempts_its_line_only()
    {
        var secret = $"client_{"sec" + "ret"} = \"{Random(AlphaNumeric, 32, seed: 13)}\"";
        var text = $"{secret} # {CredentialScanner.AllowMarker} fixture for the parser test\n{secret}\n";
        var finding = Assert.Single(CredentialScanner.Scan("fixture.toml", text));
        Assert.Equal(2, finding.Line);
    }

    [Fact]
    public void The_allowlist_names_files_and_folders_and_ignores_comments()
    {
        var allowlist = CredentialScanner.ParseAllowlist("# header\ntests/data/keys.json   # JSON fixture, no comments possible\ntests/fixtures/\n\n");
        Assert.Equal(["tests/data/keys.json", "tests/fixtures/"], allowlist);
        Assert.True(CredentialScanner.IsAllowlisted("tests/data/keys.json", allowlist));
        Assert.True(CredentialScanner.IsAllowlisted("tests/fixtures/a/b.pem", allowlist));
        Assert.False(CredentialScanner.IsAllowlisted("tests/data/keys.json.bak", allowlist));
        Assert.False(CredentialScanner.IsAllowlisted("src/tests/fixtures/x", allowlist));
    }

    [Fact]
    public void Binary_content_is_recognised()
    {
        Assert.True(CredentialScanner.LooksBinary([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00]));
        Assert.False(CredentialScanner.LooksBinary(Encoding.UTF8.GetBytes("plain text\n")));
    }

    /// <summary>Deterministic pseudo-random characters (a fixed seed keeps the samples stable between runs).</summary>
    private static string Random(string alphabet, int length, int seed)
    {
        var random = new Random(seed);
        return string.Create(length, (alphabet, random), (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });
    }
}
