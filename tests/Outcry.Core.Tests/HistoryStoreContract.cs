using System.Text.Json;

namespace Outcry.Core.Tests;

/// <summary>
/// What every history must do, with the broker's append: each engine's tests derive from this. Time is a manual
/// clock the store is given, so ages are decided the same way on every engine.
/// </summary>
public abstract class HistoryStoreContract : IDisposable
{
    private readonly List<IDisposable> _stores = [];

    protected ManualTime Time { get; } = new();

    /// <summary>A store with these options on <see cref="Time"/>, empty.</summary>
    protected abstract IHistoryStore Create(HistoryOptions options);

    /// <summary>What the broker does: gives the publication its position and keeps it.</summary>
    protected abstract Task<Publication> AppendAsync(IHistoryStore store, Publication publication);

    /// <summary>Runs the store's periodic sweep of expired rooms now.</summary>
    protected abstract Task SweepAsync(IHistoryStore store);

    public void Dispose()
    {
        _stores.ForEach(s => s.Dispose());
        GC.SuppressFinalize(this);
    }

    private IHistoryStore Store(int size = 100, TimeSpan? ttl = null)
    {
        var store = Create(new HistoryOptions { Default = new HistoryRetention { Size = size, Ttl = ttl ?? TimeSpan.FromMinutes(5) } });
        if (store is IDisposable disposable)
        {
            _stores.Add(disposable);
        }

        return store;
    }

    private static Publication To(string room, int data, string? key = null) => new()
    {
        Event = "bid",
        Data = JsonSerializer.SerializeToElement(data),
        Key = key,
        Target = new PublicationTarget { Rooms = [room] },
    };

    private static int[] Data(HistoryPage page) => [.. page.Items.Select(p => p.Data.GetInt32())];

    [Fact]
    public async Task Append_GivesGrowingPositions_InTheStoresEpoch()
    {
        var store = Store();
        var a = await AppendAsync(store, To("r", 1));
        var b = await AppendAsync(store, To("other", 2));
        var c = await AppendAsync(store, To("r", 3));
        Assert.Equal((await store.LatestAsync()).Epoch, a.Position!.Value.Epoch);
        Assert.True(a.Position!.Value.Sequence < b.Position!.Value.Sequence && b.Position!.Value.Sequence < c.Position!.Value.Sequence);
        Assert.Equal(c.Position, await store.LatestAsync());
        var all = await store.ReadAsync("/", "r", null, 10);
        Assert.Equal([1, 3], Data(all));
    }

    [Fact]
    public async Task Read_Since_IsExactlyWhatCameAfter()
    {
        var store = Store();
        var first = (await AppendAsync(store, To("r", 1))).Position;
        await AppendAsync(store, To("r", 2));
        await AppendAsync(store, To("r", 3));
        var page = await store.ReadAsync("/", "r", first, 10);
        Assert.True(page.Complete);
        Assert.Equal([2, 3], Data(page));
        var limited = await store.ReadAsync("/", "r", first, 1);
        Assert.Equal([2], Data(limited));
        Assert.True(limited.More);
    }

    [Fact]
    public async Task Read_SinceEvictedBySize_IsIncomplete()
    {
        var store = Store(size: 2);
        var p1 = (await AppendAsync(store, To("r", 1))).Position;
        var p2 = (await AppendAsync(store, To("r", 2))).Position;
        await AppendAsync(store, To("r", 3));
        await AppendAsync(store, To("r", 4));
        Assert.False((await store.ReadAsync("/", "r", p1, 10)).Complete);
        var fromSecond = await store.ReadAsync("/", "r", p2, 10);
        Assert.True(fromSecond.Complete);
        Assert.Equal([3, 4], Data(fromSecond));
    }

    [Fact]
    public async Task Read_SinceEvictedByAge_IsIncomplete()
    {
        var store = Store(ttl: TimeSpan.FromMinutes(1));
        var p0 = (await AppendAsync(store, To("r", 0))).Position;
        await AppendAsync(store, To("r", 1));
        Time.Advance(TimeSpan.FromSeconds(61));
        var page = await store.ReadAsync("/", "r", p0, 10);
        Assert.False(page.Complete);
        Assert.Empty((await store.ReadAsync("/", "r", null, 10)).Items);
    }

    [Fact]
    public async Task Read_RoomRemovedBySweep_RemembersWhatItLost()
    {
        var store = Store(ttl: TimeSpan.FromMinutes(1));
        var p0 = (await AppendAsync(store, To("r", 0))).Position;
        await AppendAsync(store, To("r", 1));
        Time.Advance(TimeSpan.FromMinutes(2));
        await SweepAsync(store);
        Assert.False((await store.ReadAsync("/", "r", p0, 10)).Complete, "the room's stream is gone, but not what it lost");
        var p2 = (await AppendAsync(store, To("r", 2))).Position;
        Assert.False((await store.ReadAsync("/", "r", p0, 10)).Complete, "a new stream of the room knows the old losses");
        Assert.True((await store.ReadAsync("/", "r", p2, 10)).Complete);
    }

    [Fact]
    public async Task Read_OtherEpochOrFuturePosition_IsIncomplete()
    {
        var store = Store();
        var p = (await AppendAsync(store, To("r", 1))).Position!.Value;
        Assert.False((await store.ReadAsync("/", "r", new StreamPosition("000000000000", 0), 10)).Complete);
        Assert.False((await store.ReadAsync("/", "r", p with { Sequence = p.Sequence + 5 }, 10)).Complete);
        Assert.True((await store.ReadAsync("/", "never-published", p, 10)).Complete);
    }

    [Fact]
    public async Task State_KeepsTheLatestPerKey_EvenWhenHistoryKeepsNothing()
    {
        var store = Store(size: 0);
        await AppendAsync(store, To("lot:1", 100, key: "lot"));
        await AppendAsync(store, To("lot:1", 5, key: "timer"));
        await AppendAsync(store, To("lot:1", 130, key: "lot"));
        await AppendAsync(store, To("lot:1", 1));
        var state = await store.StateAsync("/", "lot:1");
        Assert.Equal([("timer", 5), ("lot", 130)], state.Select(p => (p.Key!, p.Data.GetInt32())));
        Assert.Empty((await store.ReadAsync("/", "lot:1", null, 10)).Items);
    }

    [Fact]
    public async Task Broadcasts_AreKeptInTheNamespacesBroadcastStream()
    {
        var store = Store();
        await AppendAsync(store, new Publication { Event = "news", Namespace = "/chat", Target = new PublicationTarget { Broadcast = true } });
        Assert.Single((await store.ReadAsync("/chat", IHistoryStore.BroadcastRoom, null, 10)).Items);
        Assert.Empty((await store.ReadAsync("/", IHistoryStore.BroadcastRoom, null, 10)).Items);
    }

    [Fact]
    public async Task Read_GivesBackEveryFieldOfWhatWasKept()
    {
        var store = Store();
        var appended = await AppendAsync(store, new Publication
        {
            Namespace = "/chat",
            Event = "bid",
            Data = JsonSerializer.SerializeToElement(new object[] { new { price = 130, by = "ann é" }, "second" }),
            SpreadData = true,
            Key = "lot",
            Target = new PublicationTarget { Rooms = ["lot:1"], Users = ["u7"], Except = ["watchers"] },
        });

        var read = Assert.Single((await store.ReadAsync("/chat", "lot:1", null, 10)).Items);
        Assert.Equal("/chat", read.Namespace);
        Assert.Equal("bid", read.Event);
        Assert.Equal("""[{"price":130,"by":"ann \u00E9"},"second"]""", read.Data.GetRawText());
        Assert.True(read.SpreadData);
        Assert.Equal("lot", read.Key);
        Assert.False(read.Volatile);
        Assert.Equal(["lot:1"], read.Target.Rooms);
        Assert.Equal(["u7"], read.Target.Users);
        Assert.Equal(["watchers"], read.Target.Except);
        Assert.False(read.Target.Broadcast);
        Assert.Equal(appended.Position, read.Position);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), read.Time.ToUnixTimeMilliseconds());
        Assert.Single((await store.ReadAsync("/chat", RoomNames.ForUser("u7"), null, 10)).Items);
    }
}
