using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.DevBroker;

/// <summary>Settings of the development broker (configuration section <c>DevBroker</c>).</summary>
public sealed class DevelopmentBrokerOptions : IValidatableObject
{
    /// <summary>The configuration section the host binds: <c>DevBroker:Port</c>, <c>DevBroker:Host</c>,
    /// <c>DevBroker:GroupInitialRebalanceDelay</c>.</summary>
    public const string SectionName = "DevBroker";

    /// <summary>The default Kafka port, which clients use when nothing else is configured.</summary>
    public const int DefaultPort = 9092;

    /// <summary>The fixed port clients connect to (and the broker advertises); 0 picks a free one.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The address the broker listens on and advertises; keep it a loopback address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>
    /// The broker's <c>group.initial.rebalance.delay.ms</c> for classic-protocol consumer groups: how long the first join of
    /// an empty group waits for more members (real Kafka: 3 s). The default here, 0.5 s, lets members that start together —
    /// the aggregator's loops (<c>Aggregate:Loops</c>) — join one generation. With zero the first loop got every partition
    /// and the second one's join started a rebalance of a running group, which librdkafka's mock cluster completes only
    /// after <c>session.timeout.ms</c> − 1 s (about 5 s with the AppHost's settings) instead of when all members rejoined.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = DefaultGroupInitialRebalanceDelay;

    /// <summary>The default <see cref="GroupInitialRebalanceDelay"/>, 0.5 s.</summary>
    public static readonly TimeSpan DefaultGroupInitialRebalanceDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The topics created at start, with their partition counts (the mock cannot create topics later through the admin API).</summary>
    public IReadOnlyList<TopicSpec> Topics { get; set; } = BitcoinVolume.Contracts.Topics.All;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting (for callers without options validation).</summary>
    public void Validate()
    {
        if (Problems().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem.ErrorMessage, problem.MemberNames.FirstOrDefault());
        }
    }

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext) => Problems();

    private IEnumerable<ValidationResult> Problems()
    {
        if (Port is < 0 or > 65535)
        {
            yield return new($"{SectionName}:Port must be between 0 and 65535 (0 picks a free port), not {Port}.", [nameof(Port)]);
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new($"{SectionName}:Host must be an address to listen on, e.g. 127.0.0.1.", [nameof(Host)]);
        }

        if (GroupInitialRebalanceDelay < TimeSpan.Zero || GroupInitialRebalanceDelay.TotalMilliseconds > int.MaxValue)
        {
            yield return new($"{SectionName}:GroupInitialRebalanceDelay must be a non-negative time span, not {GroupInitialRebalanceDelay}.",
                [nameof(GroupInitialRebalanceDelay)]);
        }

        if (Topics is null || Topics.Count == 0)
        {
            yield return new("The development broker needs at least one topic.", [nameof(Topics)]);
            yield break;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in Topics)
        {
            if (topic is null || string.IsNullOrWhiteSpace(topic.Name))
            {
                yield return new("Every topic needs a name.", [nameof(Topics)]);
            }
            else if (topic.Partitions < 1)
            {
                yield return new($"Topic '{topic.Name}' needs at least one partition, not {topic.Partitions}.", [nameof(Topics)]);
            }
            else if (!names.Add(topic.Name))
            {
                yield return new($"Topic '{topic.Name}' is listed twice.", [nameof(Topics)]);
            }
        }
    }
}

/// <summary>Source-generated validation of <see cref="DevelopmentBrokerOptions"/> (runs its <see cref="IValidatableObject"/> rules).</summary>
[OptionsValidator]
internal sealed partial class DevelopmentBrokerOptionsValidator : IValidateOptions<DevelopmentBrokerOptions>;
