using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Model;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.OrderFlow;

/// <summary>
/// Reads the stored base windows of a subject's (venue, product) streams and turns them into bar deltas and cumulative
/// volume delta through the same rollups as <c>/api/volumes</c> (<see cref="VolumeRollup"/>, <see cref="VenueRollup"/>).
/// </summary>
internal sealed class CvdReader(IVolumeStore store, IOptions<SinkOptions> options)
{
    /// <summary>
    /// The bar deltas of <paramref name="subject"/> over <paramref name="streams"/> for bars whose start is in
    /// [<paramref name="from"/>, <paramref name="to"/>) (both bar starts of <paramref name="interval"/>).
    /// </summary>
    public async Task<IReadOnlyList<BarDelta>> DeltasAsync(
        QuerySubject subject, IReadOnlyList<StoredStream> streams, VolumeInterval interval, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken)
    {
        var window = options.Value.Window;
        var perStream = new List<VolumeBar[]>(streams.Count);
        var open = new HashSet<DateTimeOffset>();
        foreach (var stream in streams)
        {
            var rows = from < to ? await store.GetWindowRowsAsync(stream.Venue, stream.Product, from, to, cancellationToken) : [];
            perStream.Add(VolumeRollup.Roll(rows, interval, window));
            open.UnionWith(rows.Where(r => !r.Final).Select(r => interval.BarStart(r.WindowStart)));
        }

        var deltas = subject.Asset is { } asset
            ? Cvd.Deltas(VenueRollup.Asset(asset, perStream), HasSingleQuote(streams))
            : Cvd.Deltas(perStream.Count == 1 ? perStream[0] : VenueRollup.Sum(perStream));
        return [.. deltas.Select(d => d with { Final = !open.Contains(d.Start) })];
    }

    /// <summary>
    /// The CVD bars whose start is in [<paramref name="firstBar"/>, <paramref name="endBar"/>): read from the start of the
    /// anchor period that holds <paramref name="firstBar"/>, so a day or week anchor counts the part before the range.
    /// </summary>
    public async Task<CvdBar[]> ReadAsync(
        QuerySubject subject, IReadOnlyList<StoredStream> streams, VolumeInterval interval, CvdAnchor anchor, DateTimeOffset firstBar,
        DateTimeOffset endBar, CancellationToken cancellationToken)
    {
        var deltas = await DeltasAsync(subject, streams, interval, Cvd.AnchorStart(anchor, firstBar, firstBar), endBar, cancellationToken);
        return Cvd.Accumulate(deltas, anchor, firstBar, firstBar, endBar);
    }

    /// <summary>True when every stream has the same quote currency (quote deltas may be added).</summary>
    public static bool HasSingleQuote(IReadOnlyList<StoredStream> streams) =>
        streams.Select(s => s.Product.Contains('-', StringComparison.Ordinal) ? Products.QuoteOf(s.Product) : string.Empty)
            .Distinct(StringComparer.Ordinal).Count() <= 1;
}
