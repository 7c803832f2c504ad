namespace Auction.Lots;

/// <summary>
/// Whether a bid is accepted, by the server's clock: the lot must be open and the bid at least the minimum. A bid in
/// the last <c>softClose</c> (30 s by default) pushes the end to that long after it, so nobody wins by sniping.
/// </summary>
public static class BidRules
{
    public static readonly TimeSpan SoftClose = TimeSpan.FromSeconds(30);

    public static BidOutcome Judge(Lot lot, string bidder, long amount, DateTimeOffset now, TimeSpan? softClose = null)
    {
        var extension = softClose ?? SoftClose;
        if (lot.Closed || now >= lot.EndsAt)
        {
            return new BidOutcome.Rejected("the lot has ended", lot);
        }

        if (amount < lot.MinimumBid)
        {
            return new BidOutcome.Rejected($"the minimum bid is {lot.MinimumBid}", lot);
        }

        var endsAt = lot.EndsAt - now < extension ? now + extension : lot.EndsAt;
        var outbid = lot.Leader is not null && lot.Leader != bidder ? lot.Leader : null;
        return new BidOutcome.Accepted(lot with { Price = amount, Leader = bidder, Bids = lot.Bids + 1, EndsAt = endsAt }, outbid);
    }
}

public abstract record BidOutcome
{
    /// <summary>The lot after the bid, and who lost the lead (null when nobody did).</summary>
    public sealed record Accepted(Lot Lot, string? Outbid) : BidOutcome;

    /// <summary>Why not, in words for the bidder; the lot as it stands (null when there is no such lot).</summary>
    public sealed record Rejected(string Reason, Lot? Lot) : BidOutcome;
}
