using System.Text.Json;

namespace Outcry.Core.Tests;

/// <summary>
/// What every broker must do, seen from the nodes' local sinks: each engine's tests derive from this. An engine that
/// joins nodes runs it on several; the in-memory one is a single node.
/// </summary>
public abstract class BrokerContract
{
    /// <summary>How many nodes of one cluster the tests start.</summary>
    protected virtual int NodeCount => 1;

    /// <summary>A node of this test's cluster, delivering to <paramref name="sink"/>: its broker and its view of the history.</summary>
    protected abstract Task<(IBroker Broker, IHistoryStore History)> NodeAsync(IPublicationSink sink);

    private static Publication Bid(int n, params string[] rooms) => new()
    {
        Event = "bid",
        Data = JsonSerializer.SerializeToElement(n),
        Target = new PublicationTarget { Rooms = rooms.Length == 0 ? ["lot:1"] : rooms },
    };

    private async Task<List<(IBroker Broker, IHistoryStore History, RecordingSink Sink)>> NodesAsync()
    {
        var nodes = new List<(IBroker, IHistoryStore, RecordingSink)>();
        for (var i = 0; i < NodeCount; i++)
        {
            var sink = new RecordingSink();
            var (broker, history) = await NodeAsync(sink);
            nodes.Add((broker, history, sink));
        }

        return nodes;
    }

    [Fact]
    public async Task A_Publication_ReachesEveryNode_Once_WithThePositionItWasGiven()
    {
        var nodes = await NodesAsync();
        var result = await nodes[^1].Broker.PublishAsync(Bid(1));

        // The publishing node answers once its own copy is delivered there: its count is its sink's.
        Assert.Equal(1, result.Recipients);
        Assert.NotNull(result.Position);
        foreach (var (_, _, sink) in nodes)
        {
            await sink.WaitForAsync(1);
            Assert.Equal(result.Position, Assert.Single(sink.Received).Position);
        }
    }

    [Fact]
    public async Task Publications_FromEveryNode_ArriveEverywhere_InOnePositionOrder()
    {
        var nodes = await NodesAsync();
        var results = new List<PublishResult>();
        for (var i = 0; i < 20; i++)
        {
            results.Add(await nodes[i % nodes.Count].Broker.PublishAsync(Bid(i)));
        }

        Assert.True(results.Zip(results.Skip(1)).All(p => p.First.Position!.Value.Sequence < p.Second.Position!.Value.Sequence));
        foreach (var (_, _, sink) in nodes)
        {
            await sink.WaitForAsync(20);
            Assert.Equal(Enumerable.Range(0, 20).ToArray(), sink.Data());
            Assert.Equal(results.Select(r => r.Position), sink.Received.Select(p => p.Position));
        }
    }

    [Fact]
    public async Task A_Publication_IsKept_InEachOfItsRooms_AtItsPosition_BeforeItIsAnswered()
    {
        var nodes = await NodesAsync();
        var result = await nodes[0].Broker.PublishAsync(Bid(7, "lot:1", "lot:2"));
        foreach (var (_, history, _) in nodes)
        {
            foreach (var room in new[] { "lot:1", "lot:2" })
            {
                var kept = Assert.Single((await history.ReadAsync("/", room, null, 10)).Items);
                Assert.Equal(result.Position, kept.Position);
                Assert.Equal(7, kept.Data.GetInt32());
            }
        }
    }

    [Fact]
    public async Task A_Publication_PublishedAgain_WithItsId_IsADuplicate_NeitherKeptNorDeliveredAgain()
    {
        var nodes = await NodesAsync();
        var first = await nodes[0].Broker.PublishAsync(Bid(1) with { Id = "bid-17" });
        var again = await nodes[^1].Broker.PublishAsync(Bid(1) with { Id = "bid-17" }); // a retry, through any node
        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Position, again.Position);
        Assert.Equal(0, again.Recipients);

        // The next one, with an id of its own, is published: whatever came before it has arrived by then.
        Assert.False((await nodes[0].Broker.PublishAsync(Bid(2) with { Id = "bid-18" })).Duplicate);
        foreach (var (_, history, sink) in nodes)
        {
            await sink.WaitForAsync(2);
            Assert.Equal([1, 2], sink.Data());
            Assert.Equal(2, (await history.ReadAsync("/", "lot:1", null, 10)).Items.Count);
        }
    }

    [Fact]
    public async Task A_Volatile_Publication_IsDelivered_WithoutAPosition_AndNotKept()
    {
        var nodes = await NodesAsync();
        var result = await nodes[0].Broker.PublishAsync(Bid(1) with { Volatile = true });
        Assert.Null(result.Position);
        Assert.Equal(1, result.Recipients);
        foreach (var (_, history, sink) in nodes)
        {
            await sink.WaitForAsync(1);
            Assert.Null(Assert.Single(sink.Received).Position);
            Assert.Empty((await history.ReadAsync("/", "lot:1", null, 10)).Items);
        }
    }
}
