using System.ComponentModel.DataAnnotations;

namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// Periodic checkpoints of each partition's state to shared storage (section <c>Aggregate:Checkpoints</c>), so a
/// partition can move to an instance without its state folder and resume from the checkpoint's next offset instead of
/// the start of <c>trades</c> (docs/ARCHITECTURE.md, "State handoff").
/// </summary>
public sealed class CheckpointOptions : IValidatableObject
{
    /// <summary>
    /// The shared folder the checkpoints are written to and restored from (every instance of the group must see the
    /// same one: a network or synced folder, or locally one folder for instances on one machine). Empty: no checkpoints,
    /// a partition without local state is rebuilt from the start of the log as before.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How often each owned partition's state is checkpointed (when it changed). The replay after a move is at most this much input.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Checkpoints kept per partition (the newest ones); older ones are deleted after each write.</summary>
    [Range(1, 100)]
    public int Retain { get; set; } = 2;

    /// <summary>True when checkpoints are written and restored.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Path);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromDays(1))
        {
            yield return new($"Aggregate:Checkpoints:Interval must be between 00:00:01 and 1.00:00:00, not {Interval}.", [nameof(Interval)]);
        }
    }
}
