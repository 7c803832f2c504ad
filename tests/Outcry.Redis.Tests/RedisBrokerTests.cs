using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Outcry.Core;
using Outcry.Core.Tests;
using StackExchange.Redis;

namespace Outcry.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisBrokerTests(RedisServer redis) : RedisBrokerContract(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterBrokerTests(RedisClusterServer redis) : RedisBrokerContract(redis)
{
    [Fact]
    public async Task On_A_Cluster_Nodes_Listen_On_The_Shard_Channel_Of_Outcrys_Slot()
    {
        await NodeAsync();
        await NodeAsync();
        Assert.Equal(2, await SubscribersAsync());
        var channel = new RedisKeys(Options).Channel.ToString();
        var classic = (RedisResult[])(await redis.OnOutcrysServerAsync(Options, "PUBSUB", "NUMSUB", channel))!;
        Assert.Equal(0, (long)classic[1]);
    }
}

/// <summary>
/// The broker contract on two nodes (each its own connection, broker and sink) on one real Redis, or on a Redis
/// Cluster; and what only a broker across nodes can face: a node that stopped hearing some publications.
/// </summary>
public abstract class RedisBrokerContract(RedisServer redis) : BrokerContract, IAsyncLifetime
{
    private readonly RedisOptions _options = redis.NewOptions();
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    protected RedisOptions Options => _options;

    protected override int NodeCount => 2;

    protected override async Task<(IBroker Broker, IHistoryStore History)> NodeAsync(IPublicationSink sink) => await StartAsync(sink, onLost: null);

    /// <summary>A node recording what reaches it; <paramref name="onLost"/> as the host's.</summary>
    protected async Task<(RedisBroker Broker, RecordingSink Sink)> NodeAsync(Action? onLost = null)
    {
        var sink = new RecordingSink();
        var (broker, _) = await StartAsync(sink, onLost);
        return (broker, sink);
    }

    private async Task<(RedisBroker Broker, RedisHistoryStore History)> StartAsync(IPublicationSink sink, Action? onLost)
    {
        var connection = await redis.ConnectAsync();
        _owned.Add(connection);
        var history = new RedisHistoryStore(connection, _options, new HistoryOptions());
        return (new RedisBroker(connection, history, sink, RedisBroker.NewNodeId(), NullLogger<RedisBroker>.Instance, onLost), history);
    }

    private static Publication Bid(int n) => new()
    {
        Event = "bid",
        Data = JsonSerializer.SerializeToElement(n),
        Target = new PublicationTarget { Rooms = ["lot:1"] },
    };

    [Fact]
    public async Task A_Node_WhoseSubscriptionDropped_GetsWhatItMissed_Once_InOrder()
    {
        var (a, _) = await NodeAsync();
        var (_, sinkB) = await NodeAsync();
        await a.PublishAsync(Bid(0));
        await sinkB.WaitForAsync(1);

        // Cut the nodes' subscription connections; they reconnect by themselves, and meanwhile A goes on publishing.
        await redis.OnOutcrysServerAsync(_options, "CLIENT", "KILL", "TYPE", "pubsub");
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
        var (a, _) = await NodeAsync();
        var reported = 0;
        var (_, sinkB) = await NodeAsync(() => Interlocked.Increment(ref reported));
        await a.PublishAsync(Bid(0));
        await sinkB.WaitForAsync(1);

        // Five publications the nodes never heard of (kept and logged, published where nobody listens), as while a
        // subscription was down; then one they hear: B sees the sequence jump.
        var store = new RedisHistoryStore(redis.Connection, _options, new HistoryOptions());
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendAsync(Bid(i), PublicationCodec.Tail(Bid(i), "elsewhere", 0), RedisChannel.Literal("{" + _options.Prefix + "}:nowhere"));
        }

        await a.PublishAsync(Bid(6));
        await sinkB.WaitForAsync(lost ? 3 : 7); // lost: 0, 5 (the log's other entry is 6 itself), 6
        Assert.Equal(lost ? [0, 5, 6] : [0, 1, 2, 3, 4, 5, 6], sinkB.Data());
        Assert.Equal(lost ? 1 : 0, Volatile.Read(ref reported));
    }

    [Fact]
    public async Task When_Redis_LostItsData_TheNewEpoch_IsReported_AndDeliveredFromItsStart()
    {
        var reported = 0;
        var (a, sinkA) = await NodeAsync(() => Interlocked.Increment(ref reported));
        var before = await a.PublishAsync(Bid(0));
        await a.PublishAsync(Bid(1));

        await redis.OnOutcrysServerAsync(_options, "FLUSHALL");
        var after = await a.PublishAsync(Bid(2));
        Assert.NotEqual(before.Position!.Value.Epoch, after.Position!.Value.Epoch);
        Assert.Equal(1, after.Position.Value.Sequence);
        await sinkA.WaitForAsync(3);
        Assert.Equal([0, 1, 2], sinkA.Data());
        Assert.Equal(1, Volatile.Read(ref reported)); // the host closes its connections: their offsets are of the lost epoch
    }

    private async Task WaitUntilSubscribedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await SubscribersAsync() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the nodes did not subscribe again");
            await Task.Delay(10);
        }
    }

    /// <summary>How many nodes listen on the nodes' channel (sharded: on the server of Outcry's slot).</summary>
    protected async Task<long> SubscribersAsync()
    {
        var channel = new RedisKeys(_options).Channel;
        var result = (RedisResult[])(await redis.OnOutcrysServerAsync(_options, "PUBSUB", channel.IsSharded ? "SHARDNUMSUB" : "NUMSUB", channel.ToString()))!;
        return (long)result[1];
    }
}
