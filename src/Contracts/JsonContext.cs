using System.Text.Json.Serialization;

namespace BitcoinVolume.Contracts;

/// <summary>Source-generated System.Text.Json metadata for everything that crosses a topic (no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Trade))]
[JsonSerializable(typeof(WindowVolume))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(TradeGap))]
[JsonSerializable(typeof(SizeClassVolume))]
[JsonSerializable(typeof(FootprintWindow))]
[JsonSerializable(typeof(LargeTrade))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
