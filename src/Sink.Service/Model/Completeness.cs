namespace BitcoinVolume.Sink.Model;

/// <summary>
/// The completeness of a bar made of parts (base windows, venues, streams): complete only if every part is; the reason is
/// the parts' distinct reasons joined by "; " (at most <see cref="MaxReasons"/>, then "(+N more)"). Pure.
/// </summary>
public static class Completeness
{
    /// <summary>Reasons listed before the rest are only counted.</summary>
    public const int MaxReasons = 3;

    /// <summary>The incomplete reason of the whole from its parts' reasons (null = a complete part); null when all are complete.</summary>
    public static string? ReasonOf(IEnumerable<string?> partReasons)
    {
        ArgumentNullException.ThrowIfNull(partReasons);
        List<string>? reasons = null;
        foreach (var reason in partReasons)
        {
            if (reason is null)
            {
                continue;
            }

            // A part may itself be a combination: its reasons are split again, so a reason is listed once.
            foreach (var one in reason.Split("; ", StringSplitOptions.RemoveEmptyEntries))
            {
                if (one.StartsWith("(+", StringComparison.Ordinal))
                {
                    continue;
                }

                reasons ??= [];
                if (!reasons.Contains(one))
                {
                    reasons.Add(one);
                }
            }
        }

        if (reasons is null)
        {
            return null;
        }

        return reasons.Count <= MaxReasons
            ? string.Join("; ", reasons)
            : string.Join("; ", reasons.Take(MaxReasons)) + $"; (+{reasons.Count - MaxReasons} more)";
    }
}
