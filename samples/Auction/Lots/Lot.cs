namespace Auction.Lots;

/// <summary>A lot as the database has it. Money is in cents; times are the server's.</summary>
public sealed record Lot(long Id, string Title, long StartPrice, long Increment, long Price, string? Leader, int Bids, DateTimeOffset EndsAt, bool Closed)
{
    /// <summary>The lowest bid the lot accepts now: the start price, or the current price plus the increment.</summary>
    public long MinimumBid => Bids == 0 ? StartPrice : Price + Increment;
}

/// <summary>One accepted bid.</summary>
public sealed record Bid(long LotId, string Bidder, long Amount, DateTimeOffset At);
