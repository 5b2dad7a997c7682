using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace BitcoinVolume.Kafka;

/// <summary>
/// Trace context across topics: W3C <c>traceparent</c>/<c>tracestate</c> in Kafka message headers, written and read with
/// .NET's <see cref="DistributedContextPropagator"/> (what OpenTelemetry uses), so the spans of one trade in ingest,
/// aggregate and sink form one trace in the Aspire dashboard.
/// </summary>
public static class KafkaTracing
{
    /// <summary>Adds the activity's context to the headers (no-op without an activity).</summary>
    public static Headers? Inject(Activity? activity, Headers? headers = null)
    {
        if (activity is null)
        {
            return headers;
        }

        headers ??= [];
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
        {
            if (carrier is Headers h && value is not null)
            {
                h.Remove(name);
                h.Add(name, Encoding.ASCII.GetBytes(value));
            }
        });
        return headers;
    }

    /// <summary>The context carried in the headers, if any.</summary>
    public static ActivityContext? Extract(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes("traceparent", out _))
        {
            return null;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is Headers h && h.TryGetLastBytes(name, out var bytes) ? Encoding.ASCII.GetString(bytes) : null;
        }, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : null;
    }
}
