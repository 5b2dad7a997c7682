using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The real browser of the page tests: Debian's Chromium (<c>/usr/bin/chromium</c>, or <c>BV_TEST_CHROMIUM</c>), headless,
/// driven by Microsoft.Playwright (no browser is ever downloaded), and screenshots under the test project's
/// <c>TestResults/</c>.
/// </summary>
public static class BrowserPage
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"];

    /// <summary>The Chromium executable, or null when there is none.</summary>
    public static string? Chromium =>
        Environment.GetEnvironmentVariable("BV_TEST_CHROMIUM") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;

    /// <summary>True on CI (<c>CI=true</c>), where a missing Chromium is a failure, not a skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ChromiumArgs });
    }

    /// <summary>A full-page screenshot <c>TestResults/&lt;name&gt;.png</c> of the test project (its path is written to the test output).</summary>
    public static async Task SaveScreenshotAsync(IPage page, string name, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(output);
        var folder = Path.Combine(ProjectFolder(), "TestResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
    }

    /// <summary>The test project's folder (the one with a .csproj above the build output), else the output folder.</summary>
    private static string ProjectFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.Tests.csproj").Any())
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
