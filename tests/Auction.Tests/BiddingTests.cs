using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Auction.Lots;
using Auction.Push;
using Microsoft.Extensions.Logging.Abstractions;

namespace Auction.Tests;

public sealed class BiddingTests : TempDatabase
{
    private readonly AuctionStore _store;
    private readonly ConcurrentQueue<JsonElement> _published = new();
    private readonly Bidding _bidding;

    public BiddingTests()
    {
        _store = new AuctionStore(ConnectionString);
        var outcry = new OutcryPublisher(new HttpClient(new Recorder(_published)) { BaseAddress = new Uri("http://outcry.test") }, NullLogger<OutcryPublisher>.Instance);
        _bidding = new Bidding(_store, outcry, TimeProvider.System);
    }

    [Fact]
    public async Task EveryAcceptedBid_PublishesTheLotsState_InTheOrderAccepted_AndTellsTheLoser()
    {
        await _store.InitializeAsync([new Lot(0, "hot", 1000, 100, 1000, null, 0, DateTimeOffset.UtcNow.AddMinutes(10), false)]);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(b => Concurrently(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var seen = (await _store.LotAsync(1))!;
                await _bidding.BidAsync(1, "bidder" + b, seen.MinimumBid);
            }
        })));

        var states = _published.Where(p => p.GetProperty("event").GetString() == "lot").Select(p => p.GetProperty("data")).ToList();
        var bids = (await _store.BidsAsync(1, int.MaxValue)).Reverse().ToList();
        Assert.Equal(bids.Select(b => (b.Amount, b.Bidder)), states.Select(s => (s.GetProperty("price").GetInt64(), s.GetProperty("leader").GetString()!)));
        Assert.All(_published.Where(p => p.GetProperty("event").GetString() == "lot"), p =>
        {
            Assert.Equal("lot:1", p.GetProperty("key").GetString());
            Assert.Equal(["lot:1", "lots"], p.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        });

        // Each outbid notice goes to the leader the bid displaced, privately.
        var expectedLosers = bids.Zip(bids.Skip(1)).Where(p => p.First.Bidder != p.Second.Bidder).Select(p => p.First.Bidder);
        Assert.Equal(expectedLosers, _published.Where(p => p.GetProperty("event").GetString() == "outbid").Select(p => p.GetProperty("user").GetString()!));
    }

    [Fact]
    public async Task ClosingALot_PublishesItsFinalStateAndTheWinner()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.InitializeAsync([new Lot(0, "pen", 1000, 100, 1000, null, 0, now.AddMilliseconds(200), false)]);
        // Placed as if 31 s before the end, so the soft close does not extend it.
        await _store.PlaceBidAsync(1, "ann", 1000, now.AddSeconds(-31));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<Lot> closed = [];
        while (closed.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the lot should close on time");
            closed = await _bidding.CloseDueAsync();
        }

        var result = _published.Last();
        Assert.Equal("closed", result.GetProperty("event").GetString());
        Assert.Equal("ann", result.GetProperty("data").GetProperty("winner").GetString());
        Assert.True(_published.Reverse().Skip(1).First().GetProperty("data").GetProperty("closed").GetBoolean());
    }

    private sealed class Recorder(ConcurrentQueue<JsonElement> published) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/api/publish", request.RequestUri!.AbsolutePath);
            published.Enqueue(JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone());
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"ok":true}""") };
        }
    }
}
