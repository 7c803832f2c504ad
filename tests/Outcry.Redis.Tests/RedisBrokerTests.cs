using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis.Tests;

/// <summary>Two nodes (each its own connection, broker and sink) on one real Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisBrokerTests(RedisServer redis) : IAsyncLifetime
{
    private readonly RedisOptions _options = new() { Prefix = "t" + Guid.NewGuid().ToString("N") };
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<(RedisBroker Broker, RecordingSink Sink, ConnectionMultiplexer Connection)> NodeAsync(Action? onLost = null)
    {
        var connection = await redis.ConnectAsync();
        _owned.Add(connection);
        var sink = new RecordingSink();
        var history = new RedisHistoryStore(connection, _options, new HistoryOptions());
        var broker = new RedisBroker(connection, history, sink, RedisBroker.NewNodeId(), NullLogger<RedisBroker>.Instance, onLost);
        return (broker, sink, connection);
    }

    private static Publication Bid(int n) => new()
    {
        Event = "bid",
        Data = JsonSerializer.SerializeToElement(n),
        Target = new PublicationTarget { Rooms = ["lot:1"] },
    };

    [Fact]
    public async Task A_Publication_ReachesEveryNode_InPositionOrder_WithItsPosition()
    {
        var (a, sinkA, _) = await NodeAsync();
        var (b, sinkB, _) = await NodeAsync();

        var results = new List<PublishResult>();
        for (var i = 0; i < 20; i++)
        {
            results.Add(await (i % 2 == 0 ? a : b).PublishAsync(Bid(i)));
        }

        // The publishing node answers once its own copy is delivered here.
        Assert.All(results, r => Assert.Equal(1, r.Recipients));
        await sinkA.WaitForAsync(20);
        await sinkB.WaitForAsync(20);
        var expected = Enumerable.Range(0, 20).ToArray();
        Assert.Equal(expected, sinkA.Data());
        Assert.Equal(expected, sinkB.Data());
        Assert.Equal(results.Select(r => r.Position), sinkB.Received.Select(p => p.Position));
        Assert.True(results.Zip(results.Skip(1)).All(p => p.First.Position!.Value.Sequence < p.Second.Position!.Value.Sequence));
    }

    [Fact]
    public async Task A_Node_WhoseSubscriptionDropped_GetsWhatItMissed_Once_InOrder()
    {
        var (a, _, _) = await NodeAsync();
        var (_, sinkB, _) = await NodeAsync();
        await a.PublishAsync(Bid(0));
        await sinkB.WaitForAsync(1);

        // Cut the nodes' subscription connections; they reconnect by themselves, and meanwhile A goes on publishing.
        await redis.Connection.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        for (var i = 1; i <= 30; i++)
        {
            await a.PublishAsync(Bid(i));
        }

        // Once B's subscription is back, one more: any duplicate of the missed ones would come before it.
        await WaitUntilSubscribedAsync();
        await a.PublishAsync(Bid(31));
        await sinkB.WaitForAsync(32);
        Assert.Equal(Enumerable.Range(0, 32).ToArray(), sinkB.Data());
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(2, true)]
    public async Task A_Gap_IsFilledFromTheLog_OrReported_WhenLongerThanTheLog(int logSize, bool lost)
    {
        _options.LogSize = logSize;
        var (a, _, _) = await NodeAsync();
        var reported = 0;
        var (_, sinkB, _) = await NodeAsync(() => Interlocked.Increment(ref reported));
        await a.PublishAsync(Bid(0));
        await sinkB.WaitForAsync(1);

        // Five publications the nodes never heard of (kept and logged, published where nobody listens), as while a
        // subscription was down; then one they hear: B sees the sequence jump.
        var store = new RedisHistoryStore(redis.Connection, _options, new HistoryOptions());
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendAsync(Bid(i), PublicationCodec.Tail(Bid(i), "elsewhere", 0), RedisChannel.Literal("nowhere"));
        }

        await a.PublishAsync(Bid(6));
        await sinkB.WaitForAsync(lost ? 3 : 7); // lost: 0, 5 (the log's other entry is 6 itself), 6
        Assert.Equal(lost ? [0, 5, 6] : [0, 1, 2, 3, 4, 5, 6], sinkB.Data());
        Assert.Equal(lost ? 1 : 0, Volatile.Read(ref reported));
    }

    [Fact]
    public async Task Volatile_Publications_AreDelivered_ButNotKept()
    {
        var (a, sinkA, _) = await NodeAsync();
        var result = await a.PublishAsync(Bid(1) with { Volatile = true });
        Assert.Null(result.Position);
        Assert.Equal(1, result.Recipients);
        await sinkA.WaitForAsync(1);
        var history = new RedisHistoryStore(redis.Connection, _options, new HistoryOptions());
        Assert.Empty((await history.ReadAsync("/", "lot:1", null, 10)).Items);
    }

    private async Task WaitUntilSubscribedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var channel = new RedisKeys(_options.Prefix).Channel;
        while (await SubscribersAsync(channel) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the nodes did not subscribe again");
            await Task.Delay(10);
        }
    }

    private async Task<long> SubscribersAsync(RedisChannel channel) =>
        (long)((RedisResult[])(await redis.Connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))!)[1];

    private sealed class RecordingSink : IPublicationSink
    {
        private readonly List<Publication> _received = [];

        public IReadOnlyList<Publication> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public int Deliver(Publication publication)
        {
            lock (_received)
            {
                _received.Add(publication);
            }

            return 1;
        }

        public int[] Data() => [.. Received.Select(p => p.Data.GetInt32())];

        public async Task WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Received.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{Received.Count} of {count} publications arrived");
                await Task.Delay(10);
            }
        }
    }
}
