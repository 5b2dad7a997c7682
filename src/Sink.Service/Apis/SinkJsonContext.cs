using System.Text.Json;
using System.Text.Json.Serialization;
using BitcoinVolume.Sink.Model;

namespace BitcoinVolume.Sink.Apis;

/// <summary>Source-generated JSON metadata for the API's types (camelCase; decimals as JSON numbers, full precision).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(VolumeBar[]))]
[JsonSerializable(typeof(VolumeUpdate))]
[JsonSerializable(typeof(VolumeExtent))]
[JsonSerializable(typeof(SinkConfig))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(AssetBar[]))]
[JsonSerializable(typeof(VenueSummary[]))]
[JsonSerializable(typeof(BitcoinVolume.Sink.Status.PipelineStatus))]
[JsonSerializable(typeof(CvdBar[]))]
[JsonSerializable(typeof(CvdBar))]
[JsonSerializable(typeof(FootprintBar[]))]
[JsonSerializable(typeof(LargeTradeRow[]))]
[JsonSerializable(typeof(BitcoinVolume.Sink.Alerts.AlertEvent))]
[JsonSerializable(typeof(BitcoinVolume.Sink.Alerts.AlertEvent[]))]
[JsonSerializable(typeof(BitcoinVolume.Sink.Alerts.AlertRule))]
[JsonSerializable(typeof(AlertRuleEntry[]))]
[JsonSerializable(typeof(AlertRuleEntry))]
[JsonSerializable(typeof(BitcoinVolume.Sink.Alerts.AlertStatusReport))]
internal sealed partial class SinkJsonContext : JsonSerializerContext;
