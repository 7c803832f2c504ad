using Auction.Lots;

namespace Auction.Tests;

public class BidRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static Lot Open(long price = 1000, int bids = 0, string? leader = null, double minutesLeft = 10) =>
        new(1, "lot", 1000, 100, price, leader, bids, Now.AddMinutes(minutesLeft), false);

    [Fact]
    public void TheFirstBid_MayBeTheStartPrice()
    {
        var outcome = Assert.IsType<BidOutcome.Accepted>(BidRules.Judge(Open(), "a", 1000, Now));
        Assert.Equal((1000L, "a", 1), (outcome.Lot.Price, outcome.Lot.Leader, outcome.Lot.Bids));
        Assert.Null(outcome.Outbid);
    }

    [Fact]
    public void ALaterBid_MustBeatThePriceByTheIncrement()
    {
        var lot = Open(price: 1500, bids: 3, leader: "a");
        Assert.Equal("the minimum bid is 1600", Assert.IsType<BidOutcome.Rejected>(BidRules.Judge(lot, "b", 1599, Now)).Reason);
        var accepted = Assert.IsType<BidOutcome.Accepted>(BidRules.Judge(lot, "b", 1600, Now));
        Assert.Equal("a", accepted.Outbid);
    }

    [Fact]
    public void RaisingOnesOwnLead_OutbidsNobody()
    {
        var accepted = Assert.IsType<BidOutcome.Accepted>(BidRules.Judge(Open(price: 1500, bids: 1, leader: "a"), "a", 2000, Now));
        Assert.Null(accepted.Outbid);
    }

    [Fact]
    public void ALateBid_IsRefusedByTheServersClock()
    {
        Assert.Equal("the lot has ended", Assert.IsType<BidOutcome.Rejected>(BidRules.Judge(Open(minutesLeft: 0), "a", 5000, Now)).Reason);
        Assert.IsType<BidOutcome.Rejected>(BidRules.Judge(Open() with { Closed = true }, "a", 5000, Now));
    }

    [Fact]
    public void ABidInTheLast30Seconds_ExtendsTheEnd()
    {
        var late = Assert.IsType<BidOutcome.Accepted>(BidRules.Judge(Open(minutesLeft: 0.25), "a", 1000, Now));
        Assert.Equal(Now + BidRules.SoftClose, late.Lot.EndsAt);
        var early = Assert.IsType<BidOutcome.Accepted>(BidRules.Judge(Open(minutesLeft: 1), "a", 1000, Now));
        Assert.Equal(Now.AddMinutes(1), early.Lot.EndsAt);
    }
}
