using System.Text.RegularExpressions;

namespace BitcoinVolume.Infrastructure.Tests.Credentials;

/// <summary>Something shaped like a credential: where, which rule, and a redacted preview (never the value itself).</summary>
public sealed record CredentialFinding(string Path, int Line, string Rule, string Preview)
{
    public override string ToString() => $"{Path}:{Line}: {Rule} ({Preview})";
}

/// <summary>
/// Finds text shaped like a credential: private key blocks, cloud access key ids, Google service-account keys,
/// Confluent-style API secrets, passwords in connection strings and URLs, well-known token formats, and high-entropy
/// values assigned to names like *secret*, *token*, *password*. Templates (<c>&lt;password&gt;</c>, <c>${VAR}</c>) and the
/// dummy words documentation uses (<c>Password=secret</c>, <c>user:password@host</c>) are not credentials.
/// <para>
/// Allowlist (for test fixtures that must hold such text): a line that contains <see cref="AllowMarker"/> (in any
/// comment syntax, e.g. <c># credential-scan:allow fixture</c>) is not reported; whole files, for formats without
/// comments, are listed in <see cref="AllowlistFile"/> with a reason. Keep both rare and explained.
/// </para>
/// </summary>
public static partial class CredentialScanner
{
    /// <summary>Marker that exempts the line it is on.</summary>
    public const string AllowMarker = "credential-scan:allow";

    /// <summary>Repository-relative file that lists exempt files or folders (one per line, folders end in '/', '#' comments).</summary>
    public const string AllowlistFile = "tests/Infrastructure.Tests/Credentials/credential-scan-allowlist.txt";

    /// <summary>Values that stand for a secret rather than being one.</summary>
    private static readonly string[] PlaceholderStarts = ["<", "${", "$(", "{", "%", "*", "...", "$", "[", "…"];

    /// <summary>Scans one text; <paramref name="path"/> only labels the findings.</summary>
    public static IReadOnlyList<CredentialFinding> Scan(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = new List<CredentialFinding>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Contains(AllowMarker, StringComparison.Ordinal))
            {
                continue;
            }

            var previous = i > 0 ? lines[i - 1] : "";
            foreach (var (rule, value) in FindIn(line, previous))
            {
                findings.Add(new CredentialFinding(path, i + 1, rule, Redact(value)));
            }
        }

        return findings;
    }

    /// <summary>True when the bytes look binary (a NUL in the first 8000 bytes, as git decides).</summary>
    public static bool LooksBinary(ReadOnlySpan<byte> content) => content[..Math.Min(content.Length, 8000)].Contains((byte)0);

    /// <summary>Parses the allowlist: repository-relative files, or folders ending in '/'.</summary>
    public static IReadOnlyList<string> ParseAllowlist(string text) =>
        [.. text.Split('\n').Select(l => (l.Contains('#', StringComparison.Ordinal) ? l[..l.IndexOf('#', StringComparison.Ordinal)] : l).Trim()).Where(l => l.Length > 0)];

    /// <summary>True when <paramref name="path"/> is listed, or lies in a listed folder.</summary>
    public static bool IsAllowlisted(string path, IReadOnlyList<string> allowlist)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        return allowlist.Any(entry => entry.EndsWith('/') ? path.StartsWith(entry, StringComparison.Ordinal) : path == entry);
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.GroupBy(c => c).Select(g => (double)g.Count() / value.Length).Sum(p => -p * Math.Log2(p));
    }

    private static IEnumerable<(string Rule, string Value)> FindIn(string line, string previous)
    {
        foreach (Match m in PrivateKeyBlock().Matches(line))
        {
            yield return ("private key block", m.Value);
        }

        foreach (Match m in AwsAccessKeyId().Matches(line))
        {
            yield return ("AWS access key id", m.Value);
        }

        foreach (Match m in GoogleServiceAccountKey().Matches(line))
        {
            if (!IsPlaceholder(m.Groups["value"].Value))
            {
                yield return ("Google service-account private key", m.Groups["value"].Value);
            }
        }

        foreach (Match m in WellKnownToken().Matches(line))
        {
            yield return ("well-known token format", m.Value);
        }

        if (line.Contains("secret", StringComparison.OrdinalIgnoreCase) || previous.Contains("secret", StringComparison.OrdinalIgnoreCase))
        {
            foreach (Match m in Base64Of64().Matches(line))
            {
                if (!HexOnly().IsMatch(m.Value) && IsRandomLooking(m.Value, minimumEntropy: 4.3))
                {
                    yield return ("API secret (64 base64 characters near 'secret')", m.Value);
                }
            }
        }

        if (ConnectionStringKey().IsMatch(line))
        {
            foreach (Match m in ConnectionStringPassword().Matches(line))
            {
                if (!IsPlaceholder(m.Groups["value"].Value))
                {
                    yield return ("password in a connection string", m.Groups["value"].Value);
                }
            }
        }

        foreach (Match m in UrlCredentials().Matches(line))
        {
            if (!IsPlaceholder(m.Groups["password"].Value))
            {
                yield return ("password in a URL", m.Groups["password"].Value);
            }
        }

        foreach (Match m in SecretAssignment().Matches(line))
        {
            var value = m.Groups["value"].Value;
            if (IsRandomLooking(value, minimumEntropy: 3.5))
            {
                yield return ($"high-entropy value assigned to '{m.Groups["name"].Value}'", value);
            }
        }
    }

    /// <summary>
    /// Empty, a template (<c>&lt;…&gt;</c>, <c>${…}</c>, <c>{…}</c>, <c>%…%</c>, <c>$VAR</c>, <c>…</c>), or one of the
    /// dummy words documentation uses (<c>secret</c>, <c>password</c>, <c>changeme</c>, <c>xxx</c>, …).
    /// </summary>
    private static bool IsPlaceholder(string value) =>
        value.Length == 0 || PlaceholderStarts.Any(p => value.StartsWith(p, StringComparison.Ordinal)) || DummyWord().IsMatch(value);

    /// <summary>Long enough, letters and digits mixed, and spread over many characters: what generated secrets look like.</summary>
    private static bool IsRandomLooking(string value, double minimumEntropy) =>
        value.Length >= 20 && value.Any(char.IsAsciiLetter) && value.Any(char.IsAsciiDigit) && Entropy(value) >= minimumEntropy;

    private static string Redact(string value) =>
        value.Length <= 8 ? new string('*', value.Length) : $"{value[..4]}…({value.Length} chars)";

    [GeneratedRegex(@"^(?i:secret|password|passwd|pass|pwd|changeme|change-me|change_me|example|dummy|placeholder|redacted|your[-_]?password|x+|\*+|\.+)$")]
    private static partial Regex DummyWord();

    [GeneratedRegex(@"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----")]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex("""
        "private_key"\s*:\s*"(?<value>[^"]{16,})"
        """)]
    private static partial Regex GoogleServiceAccountKey();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{50,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_\-]{35}|[rs]k_live_[0-9A-Za-z]{20,})")]
    private static partial Regex WellKnownToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{64}(?![A-Za-z0-9+/=])")]
    private static partial Regex Base64Of64();

    [GeneratedRegex(@"^[0-9a-fA-F]+$")]
    private static partial Regex HexOnly();

    [GeneratedRegex(@"(?i)(?:^|[;""'\s])(?:host|server|data source|user id|uid|username|user|database|initial catalog)\s*=")]
    private static partial Regex ConnectionStringKey();

    [GeneratedRegex(@"(?i)(?<![A-Za-z0-9_.])(?:password|pwd)\s*=\s*(?<value>[^;""'\s]*)")]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"(?i)\b[a-z][a-z0-9+.\-]*://(?<user>[^\s:/@'""]+):(?<password>[^\s:/@'""]+)@")]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"(?i)(?<name>[A-Za-z0-9_.\-]*(?:secret|token|passw(?:or)?d|pwd|api[_\-]?key|access[_\-]?key|private[_\-]?key|credential)[A-Za-z0-9_.\-]*)[""']?\s*(?:=|:|:=|=>)\s*[""']?(?<value>[A-Za-z0-9+/_\-=.~]{20,})")]
    private static partial Regex SecretAssignment();
}
