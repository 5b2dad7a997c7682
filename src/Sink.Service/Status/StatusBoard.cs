using System.Collections.Concurrent;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Status;

/// <summary>
/// The latest <see cref="StatusReport"/> of every publisher on topic <c>status</c> (by key <c>service|instance</c>), as
/// <see cref="StatusConsumer"/> reads them; a tombstone (null value) removes its key. Thread-safe.
/// </summary>
public sealed class StatusBoard
{
    private readonly ConcurrentDictionary<string, StatusReport> reports = new(StringComparer.Ordinal);
    private long invalid;

    /// <summary>True once the consumer has read the topic up to its end at least once (every report published before it started is in).</summary>
    public bool CaughtUp { get; private set; }

    /// <summary>True while a status consumer runs (false when <c>Sink:ConsumerEnabled</c> is off).</summary>
    public bool Consuming { get; private set; }

    /// <summary>Records that could not be read (counted, logged once per reason, skipped).</summary>
    public long Invalid => Interlocked.Read(ref invalid);

    /// <summary>Every report, by key order.</summary>
    public IReadOnlyList<StatusReport> Reports => [.. reports.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value)];

    /// <summary>The consumer started (<paramref name="running"/>) or stopped.</summary>
    public void ConsumerRunning(bool running) => Consuming = running;

    /// <summary>The consumer reached the end of the topic.</summary>
    public void ReachedEnd() => CaughtUp = true;

    /// <summary>
    /// Takes one record: a report replaces the one of its key, a tombstone removes it. A value that is not a report of
    /// its key returns false with a machine-readable reason and a detail.
    /// </summary>
    public bool TryApply(string? key, byte[]? value, out string reason, out string detail)
    {
        (reason, detail) = (string.Empty, string.Empty);
        if (string.IsNullOrEmpty(key))
        {
            (reason, detail) = ("missing_key", "a status record needs the key service|instance");
        }
        else if (value is null)
        {
            reports.TryRemove(key, out _);
            return true;
        }
        else if (Decode(value, out var report, out reason, out detail) && report is not null)
        {
            if (report.Key == key)
            {
                reports[key] = report;
                return true;
            }

            (reason, detail) = ("key_mismatch", $"key '{key}' but the report is of '{report.Key}'");
        }

        Interlocked.Increment(ref invalid);
        return false;
    }

    private static bool Decode(byte[] value, out StatusReport? report, out string reason, out string detail)
    {
        report = null;
        (reason, detail) = (string.Empty, string.Empty);
        try
        {
            report = JsonSerializer.Deserialize(value, ContractsJsonContext.Default.StatusReport);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            (reason, detail) = ("malformed_json", e.Message);
            return false;
        }

        if (report is null || string.IsNullOrEmpty(report.Service) || string.IsNullOrEmpty(report.Instance) || string.IsNullOrEmpty(report.State))
        {
            (reason, detail) = ("incomplete_report", "service, instance and state are required");
            return false;
        }

        if (report.PublishedAt == default)
        {
            (reason, detail) = ("incomplete_report", "publishedAt is required");
            return false;
        }

        // Lists missing from the JSON are null from the generated reader: make them empty.
        report = report with { Products = report.Products ?? [], Partitions = report.Partitions ?? [] };
        return true;
    }
}
