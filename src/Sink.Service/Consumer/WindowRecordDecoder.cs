using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;
using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>Turns a <c>volumes.1m</c> record value into a <see cref="WindowVolume"/>, or says why it cannot.</summary>
internal static class WindowRecordDecoder
{
    /// <summary>
    /// Decodes and validates one value; its window must start on the grid of <paramref name="spec"/> (the sink's
    /// <see cref="SinkOptions.Window"/>). On failure returns <see langword="false"/> with a short machine-readable reason.
    /// </summary>
    public static bool TryDecode(
        byte[]? value, string topic, WindowSpec spec, out WindowVolume? window, out string reason, out string detail)
    {
        ArgumentNullException.ThrowIfNull(spec);
        window = null;
        if (value is null)
        {
            (reason, detail) = ("tombstone", "null value");
            return false;
        }

        try
        {
            window = ContractSerializers.WindowDeserializer.Deserialize(
                value, isNull: false, new SerializationContext(MessageComponentType.Value, topic));
        }
        catch (JsonException e)
        {
            (reason, detail) = ("malformed_json", e.Message);
            return false;
        }
        catch (InvalidDataException e)
        {
            (reason, detail) = ("empty_value", e.Message);
            return false;
        }
        catch (NotSupportedException e)
        {
            (reason, detail) = ("malformed_json", e.Message);
            return false;
        }

        // A value without "venue" was written before venues existed: it is Coinbase's. The source-generated reader leaves the
        // init property null when the field is missing (it does not keep the initializer's default), so say it here.
        if (window.Venue is null)
        {
            window = window with { Venue = Venues.Coinbase };
        }

        (reason, detail) = Validate(window, spec);
        if (reason.Length > 0)
        {
            window = null;
            return false;
        }

        return true;
    }

    private static (string Reason, string Detail) Validate(WindowVolume w, WindowSpec spec)
    {
        if (string.IsNullOrWhiteSpace(w.Product))
        {
            return ("missing_product", "product is missing or blank");
        }

        if (!VenueIds.IsWellFormed(w.Venue))
        {
            return ("invalid_venue", $"venue '{w.Venue}' is not a venue id (lower-case letters, digits and dashes)");
        }

        if (!Enum.IsDefined(w.Side))
        {
            return ("invalid_side", $"side {(int)w.Side} is neither buy nor sell");
        }

        if (!spec.IsStart(w.WindowStart))
        {
            return ("unaligned_window", $"windowStart {w.WindowStart:O} is not a start of a {spec} window");
        }

        if (w.Trades < 0 || w.Version < 0)
        {
            return ("negative_count", $"trades {w.Trades}, version {w.Version}");
        }

        if (!SizeClassVolume.IsValid(w.SizeClasses, w.Trades, w.BaseVolume, out var problem))
        {
            return ("invalid_size_classes", problem);
        }

        return (string.Empty, string.Empty);
    }
}
