using Outcry.Core;
using Outcry.Core.Tests;

namespace Outcry.Redis.Tests;

// The engine contracts of Outcry.Core.Tests, on a real Redis and on a real Redis Cluster (with sharded pub/sub).
// Each test has keys of its own (a fresh prefix).

[Collection(RedisCollection.Name)]
public sealed class RedisHistoryStoreTests(RedisServer redis) : RedisHistoryStoreContract(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterHistoryStoreTests(RedisClusterServer redis) : RedisHistoryStoreContract(redis);

[Collection(RedisCollection.Name)]
public sealed class RedisRecoveryStoreTests(RedisServer redis) : RedisRecoveryStoreContract(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterRecoveryStoreTests(RedisClusterServer redis) : RedisRecoveryStoreContract(redis);

[Collection(RedisCollection.Name)]
public sealed class RedisPresenceStoreTests(RedisServer redis) : RedisPresenceStoreContract(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterPresenceStoreTests(RedisClusterServer redis) : RedisPresenceStoreContract(redis);

public abstract class RedisHistoryStoreContract(RedisServer redis) : HistoryStoreContract
{
    protected override IHistoryStore Create(HistoryOptions options) => new RedisHistoryStore(redis.Connection, redis.NewOptions(), options, Time);

    protected override async Task<Publication> AppendAsync(IHistoryStore store, Publication publication)
    {
        var (position, _) = await ((RedisHistoryStore)store).AppendAsync(publication, PublicationCodec.Tail(publication, "test", 0));
        return publication with { Position = position };
    }

    protected override Task SweepAsync(IHistoryStore store) => ((RedisHistoryStore)store).SweepAsync();
}

public abstract class RedisRecoveryStoreContract(RedisServer redis) : RecoveryStoreContract
{
    private readonly RedisOptions _options = redis.NewOptions();

    protected override IRecoveryStore Create() => new RedisRecoveryStore(redis.Connection, _options, "node-a", TimeSpan.FromMinutes(2), Time);

    private static RecoverySession Live(string pid) =>
        new(pid, "socket-" + pid, "/", ["lot:1"], new ClientIdentity { UserId = "42" }, new StreamPosition("0a1b2c3d4e5f", 3));

    private Task<bool> BeatAsync(string node, DateTimeOffset at) =>
        redis.Connection.GetDatabase().SortedSetAddAsync(new RedisKeys(_options).Nodes, node, at.ToUnixTimeMilliseconds());

    [Fact]
    public async Task A_LiveSession_OfANodeThatStoppedBeating_IsTaken_WithinTheWindow_Once()
    {
        var store = (RedisRecoveryStore)Create();
        await BeatAsync("node-a", Time.GetUtcNow());
        await store.KeepLiveAsync(Live("p10"));
        await store.KeepLiveAsync(Live("p10") with { Rooms = ["lot:1", "lot:2"] }); // its rooms changed

        Time.Advance(TimeSpan.FromMinutes(1)); // node-a crashed a minute ago: no more beats
        var back = await store.TakeAsync("p10");
        Assert.Equal(["lot:1", "lot:2"], back?.Rooms);
        Assert.Null(await store.TakeAsync("p10"));
    }

    [Fact]
    public async Task A_LiveSession_IsGone_OnceTheWindowPassed_SinceItsNodesLastBeat()
    {
        var store = (RedisRecoveryStore)Create();
        await BeatAsync("node-a", Time.GetUtcNow());
        await store.KeepLiveAsync(Live("p11"));
        Time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        Assert.Null(await store.TakeAsync("p11"));
    }

    [Fact]
    public async Task A_ForgottenLiveSession_IsGone()
    {
        var store = (RedisRecoveryStore)Create();
        await BeatAsync("node-a", Time.GetUtcNow());
        await store.KeepLiveAsync(Live("p13"));
        await store.ForgetLiveAsync("p13");
        Assert.Null(await store.TakeAsync("p13"));
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(new RedisKeys(_options).LiveRecovery("p13")));
    }

    [Fact]
    public async Task The_SessionSavedAtDisconnection_IsFinal()
    {
        var store = (RedisRecoveryStore)Create();
        await BeatAsync("node-a", Time.GetUtcNow());
        await store.KeepLiveAsync(Live("p12"));
        await store.SaveAsync(Live("p12") with { Rooms = ["saved"] }, TimeSpan.FromMinutes(2));
        await store.KeepLiveAsync(Live("p12")); // a room change reported after the disconnection

        Assert.Equal(["saved"], (await store.TakeAsync("p12"))?.Rooms);
        Assert.Null(await store.TakeAsync("p12"));
    }

    // Redis expires keys on its own clock: wait (with a deadline) until it did.
    protected override async Task LetPassAsync(IRecoveryStore store, string pid, TimeSpan window)
    {
        var key = new RedisKeys(_options).Recovery(pid);
        var deadline = DateTime.UtcNow + window + TimeSpan.FromSeconds(10);
        while (await redis.Connection.GetDatabase().KeyExistsAsync(key))
        {
            Assert.True(DateTime.UtcNow < deadline, "the session did not expire");
            await Task.Delay(20);
        }
    }
}

public abstract class RedisPresenceStoreContract(RedisServer redis) : PresenceStoreContract, IDisposable
{
    private readonly RedisOptions _options = redis.NewOptions();
    private readonly List<RedisPresenceStore> _stores = [];

    protected override IPresenceStore Create() => Node(RedisBroker.NewNodeId(), TimeProvider.System);

    public void Dispose() => _stores.ForEach(s => s.Dispose());

    [Fact]
    public async Task A_DeadNodes_Connections_Vanish_WhenAnotherNodeBeats()
    {
        var start = new ManualTime();
        var dying = Node("dying", start);
        await dying.JoinAsync("/", "lot:1", "c1", "42");
        await dying.JoinAsync("/", "lot:1", "c2", null);
        var later = new ManualTime();
        later.Advance(RedisPresenceStore.DeadAfter - TimeSpan.FromSeconds(1));
        var alive = Node("alive", later);
        await alive.JoinAsync("/", "lot:1", "c3", "7");

        await alive.BeatAsync();
        Assert.Equal((3, 2), await CountsAsync(alive)); // the dying node was seen recently enough
        later.Advance(TimeSpan.FromSeconds(2));
        await alive.BeatAsync();
        Assert.Equal((1, 1), await CountsAsync(alive));
        Assert.Equal(["7"], (await alive.GetAsync("/", "lot:1", 10)).Users);
    }

    private static async Task<(int, int)> CountsAsync(RedisPresenceStore store)
    {
        var presence = await store.GetAsync("/", "lot:1", 10);
        return (presence.Count, presence.UserCount);
    }

    private RedisPresenceStore Node(string id, TimeProvider time)
    {
        var store = new RedisPresenceStore(redis.Connection, _options, id, time);
        _stores.Add(store);
        return store;
    }
}
