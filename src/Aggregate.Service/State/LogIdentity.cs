using System.Text;

namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// Which log a partition's state was built from: the input topic, the Kafka cluster id (null when the cluster did not
/// say) and the development broker's incarnation (<see cref="BitcoinVolume.Contracts.Topics.DevelopmentBrokerIncarnationPrefix"/>;
/// null on a real cluster). Stored with every state commit, in the same atomic write as the next input offset.
/// </summary>
public sealed record LogIdentity(string Topic, string? ClusterId, string? Incarnation)
{
    /// <summary>True when this is the development broker (it names its incarnation).</summary>
    public bool IsDevelopmentBroker => Incarnation is not null;

    /// <summary>
    /// True when <paramref name="other"/> names another log: another topic, another incarnation (or one side a development
    /// broker and the other not), or two known cluster ids that differ. An unknown cluster id on one side proves nothing.
    /// </summary>
    public bool IsOtherLogThan(LogIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return !string.Equals(Topic, other.Topic, StringComparison.Ordinal)
            || !string.Equals(Incarnation, other.Incarnation, StringComparison.Ordinal)
            || (ClusterId is not null && other.ClusterId is not null && !string.Equals(ClusterId, other.ClusterId, StringComparison.Ordinal));
    }

    public override string ToString() => IsDevelopmentBroker
        ? $"topic {Topic} on development broker incarnation {Incarnation} (cluster id {ClusterId ?? "unknown"})"
        : $"topic {Topic} on cluster {ClusterId ?? "(id unknown)"}";

    /// <summary>Topic, cluster id, incarnation as UTF-8, separated by a 0 byte (an empty part is null).</summary>
    internal byte[] ToBytes() => Encoding.UTF8.GetBytes($"{Topic}\0{ClusterId}\0{Incarnation}");

    internal static LogIdentity FromBytes(ReadOnlySpan<byte> value)
    {
        var parts = Encoding.UTF8.GetString(value).Split('\0');
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            throw new InvalidDataException("The stored log identity is not topic\\0cluster id\\0incarnation.");
        }

        return new LogIdentity(parts[0], parts[1].Length == 0 ? null : parts[1], parts[2].Length == 0 ? null : parts[2]);
    }
}
