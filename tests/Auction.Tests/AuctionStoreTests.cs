using System.Collections.Concurrent;
using Auction.Lots;

namespace Auction.Tests;

/// <summary>What the auction's store guarantees, on every database it supports.</summary>
public abstract class AuctionStoreContract : IAsyncLifetime
{
    private AuctionStore _store = null!;

    /// <summary>A new, empty database.</summary>
    protected abstract Task<string> CreateDatabaseAsync();

    public async Task InitializeAsync() => _store = new AuctionStore(await CreateDatabaseAsync());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Initialize_SeedsOnce()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.InitializeAsync(Seed.Lots(now));
        await _store.InitializeAsync(Seed.Lots(now));
        var lots = await _store.LotsAsync();
        Assert.Equal(Seed.Lots(now).Count(), lots.Count);
        Assert.All(lots, l => Assert.Equal((l.StartPrice, 0, false), (l.Price, l.Bids, l.Closed)));
    }

    [Fact]
    public async Task ABid_IsSavedWithTheLot_AndTheLoserIsNamed()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.InitializeAsync([new Lot(0, "pen", 1000, 100, 1000, null, 0, now.AddMinutes(5), false)]);
        Assert.IsType<BidOutcome.Accepted>(await _store.PlaceBidAsync(1, "a", 1000, now));
        var second = Assert.IsType<BidOutcome.Accepted>(await _store.PlaceBidAsync(1, "b", 1100, now));
        Assert.Equal("a", second.Outbid);
        Assert.IsType<BidOutcome.Rejected>(await _store.PlaceBidAsync(1, "a", 1150, now));
        Assert.Equal("no such lot", Assert.IsType<BidOutcome.Rejected>(await _store.PlaceBidAsync(9, "a", 1, now)).Reason);

        var lot = await _store.LotAsync(1);
        Assert.Equal((1100L, "b", 2), (lot!.Price, lot.Leader, lot.Bids));
        Assert.Equal([("b", 1100L), ("a", 1000L)], (await _store.BidsAsync(1, 10)).Select(b => (b.Bidder, b.Amount)));
    }

    [Fact]
    public async Task CloseDue_ClosesEndedLotsOnce()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.InitializeAsync([new Lot(0, "due", 1000, 100, 1000, null, 0, now.AddSeconds(-1), false), new Lot(0, "open", 1000, 100, 1000, null, 0, now.AddMinutes(1), false)]);
        Assert.Equal(["due"], (await _store.CloseDueAsync(now)).Select(l => l.Title));
        Assert.Empty(await _store.CloseDueAsync(now));
        Assert.IsType<BidOutcome.Rejected>(await _store.PlaceBidAsync(1, "a", 5000, now.AddSeconds(-5)));
    }

    [Fact]
    public async Task UnderContention_BidsAreStrictlyIncreasing_AndTheLeaderHoldsTheHighestBid()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.InitializeAsync([new Lot(0, "hot", 1000, 100, 1000, null, 0, now.AddMinutes(10), false)]);
        var accepted = new ConcurrentBag<long>();
        var rejected = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Task.WhenAll(Enumerable.Range(0, 50).Select(b => TempDatabase.Concurrently(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Each bidder bids what it last saw as the minimum: most lose the race, as real bidders would.
                var seen = (await _store.LotAsync(1))!;
                var outcome = await _store.PlaceBidAsync(1, "bidder" + b, seen.MinimumBid, DateTimeOffset.UtcNow);
                if (outcome is BidOutcome.Accepted a)
                {
                    accepted.Add(a.Lot.Price);
                }
                else
                {
                    Interlocked.Increment(ref rejected);
                }
            }
        })));

        var bids = (await _store.BidsAsync(1, int.MaxValue)).Reverse().ToList();
        Assert.True(bids.Count > 10, $"only {bids.Count} bids were accepted");
        Assert.True(rejected > 0, "with 50 bidders some bids must lose the race");
        Assert.Equal(accepted.Count, bids.Count);
        for (var i = 1; i < bids.Count; i++)
        {
            Assert.True(bids[i].Amount >= bids[i - 1].Amount + 100, $"bid {i}: {bids[i].Amount} after {bids[i - 1].Amount}");
        }

        var lot = (await _store.LotAsync(1))!;
        Assert.Equal((bids[^1].Amount, bids[^1].Bidder, bids.Count), (lot.Price, lot.Leader, lot.Bids));
    }
}

public sealed class SqliteAuctionStoreTests : AuctionStoreContract, IDisposable
{
    private readonly TempDatabase _database = new();

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(_database.ConnectionString);

    public void Dispose() => _database.Dispose();
}

[Collection(nameof(PostgresServer))]
public sealed class PostgresAuctionStoreTests(PostgresServer server) : AuctionStoreContract
{
    protected override Task<string> CreateDatabaseAsync() => server.CreateDatabaseAsync();
}
