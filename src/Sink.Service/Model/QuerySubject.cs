using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>What a query reads: one product or one base asset, on the selected venues.</summary>
internal sealed record QuerySubject(string? Product, string? Asset, VenueSelection Venues)
{
    public bool Matches(string venue, string product, bool anyVenue = false) =>
        (anyVenue || Venues.Includes(venue))
        && (Product is not null
            ? string.Equals(product, Product, StringComparison.Ordinal)
            : product.Length > Asset!.Length && product.StartsWith(Asset, StringComparison.Ordinal) && product[Asset.Length] == '-');

    public bool Matches(WindowVolume window) => Matches(window.Venue, window.Product);

    public override string ToString() => $"{Product ?? "asset " + Asset} on venue={Venues.Text}";
}
