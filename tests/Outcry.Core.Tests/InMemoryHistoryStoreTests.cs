using System.Text.Json;

namespace Outcry.Core.Tests;

public class InMemoryHistoryStoreTests
{
    private readonly ManualTime _time = new();

    private InMemoryHistoryStore Store(int size = 100, TimeSpan? ttl = null) =>
        new(new HistoryOptions { Default = new HistoryRetention { Size = size, Ttl = ttl ?? TimeSpan.FromMinutes(5) } }, _time);

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
        using var store = Store();
        var a = store.Append(To("r", 1));
        var b = store.Append(To("other", 2));
        var c = store.Append(To("r", 3));
        Assert.Equal(store.Epoch, a.Position!.Value.Epoch);
        Assert.True(a.Position!.Value.Sequence < b.Position!.Value.Sequence && b.Position!.Value.Sequence < c.Position!.Value.Sequence);
        Assert.Equal(c.Position, await store.LatestAsync());
        var all = await store.ReadAsync("/", "r", null, 10);
        Assert.Equal([1, 3], Data(all));
    }

    [Fact]
    public async Task Read_Since_IsExactlyWhatCameAfter()
    {
        using var store = Store();
        var first = store.Append(To("r", 1)).Position;
        store.Append(To("r", 2));
        store.Append(To("r", 3));
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
        using var store = Store(size: 2);
        var p1 = store.Append(To("r", 1)).Position;
        var p2 = store.Append(To("r", 2)).Position;
        store.Append(To("r", 3));
        store.Append(To("r", 4));
        Assert.False((await store.ReadAsync("/", "r", p1, 10)).Complete);
        var fromSecond = await store.ReadAsync("/", "r", p2, 10);
        Assert.True(fromSecond.Complete);
        Assert.Equal([3, 4], Data(fromSecond));
    }

    [Fact]
    public async Task Read_SinceEvictedByAge_IsIncomplete()
    {
        using var store = Store(ttl: TimeSpan.FromMinutes(1));
        var p0 = store.Append(To("r", 0)).Position;
        store.Append(To("r", 1));
        _time.Advance(TimeSpan.FromSeconds(61));
        var page = await store.ReadAsync("/", "r", p0, 10);
        Assert.False(page.Complete);
        Assert.Empty((await store.ReadAsync("/", "r", null, 10)).Items);
    }

    [Fact]
    public async Task Read_RoomRemovedBySweep_RemembersWhatItLost()
    {
        using var store = Store(ttl: TimeSpan.FromMinutes(1));
        var p0 = store.Append(To("r", 0)).Position;
        store.Append(To("r", 1));
        _time.Advance(TimeSpan.FromMinutes(2));
        store.Sweep();
        Assert.False((await store.ReadAsync("/", "r", p0, 10)).Complete, "the room's stream is gone, but not what it lost");
        var p2 = store.Append(To("r", 2)).Position;
        Assert.False((await store.ReadAsync("/", "r", p0, 10)).Complete, "a new stream of the room knows the old losses");
        Assert.True((await store.ReadAsync("/", "r", p2, 10)).Complete);
    }

    [Fact]
    public async Task Read_OtherEpochOrFuturePosition_IsIncomplete()
    {
        using var store = Store();
        var p = store.Append(To("r", 1)).Position!.Value;
        Assert.False((await store.ReadAsync("/", "r", new StreamPosition("000000000000", 0), 10)).Complete);
        Assert.False((await store.ReadAsync("/", "r", p with { Sequence = p.Sequence + 5 }, 10)).Complete);
        Assert.True((await store.ReadAsync("/", "never-published", p, 10)).Complete);
    }

    [Fact]
    public async Task State_KeepsTheLatestPerKey_EvenWhenHistoryKeepsNothing()
    {
        using var store = Store(size: 0);
        store.Append(To("lot:1", 100, key: "lot"));
        store.Append(To("lot:1", 5, key: "timer"));
        store.Append(To("lot:1", 130, key: "lot"));
        store.Append(To("lot:1", 1));
        var state = await store.StateAsync("/", "lot:1");
        Assert.Equal([("timer", 5), ("lot", 130)], state.Select(p => (p.Key!, p.Data.GetInt32())));
        Assert.Empty((await store.ReadAsync("/", "lot:1", null, 10)).Items);
    }

    [Fact]
    public async Task Broadcasts_AreKeptInTheNamespacesBroadcastStream()
    {
        using var store = Store();
        store.Append(new Publication { Event = "news", Namespace = "/chat", Target = new PublicationTarget { Broadcast = true } });
        Assert.Single((await store.ReadAsync("/chat", IHistoryStore.BroadcastRoom, null, 10)).Items);
        Assert.Empty((await store.ReadAsync("/", IHistoryStore.BroadcastRoom, null, 10)).Items);
    }

    [Fact]
    public void StreamPosition_RoundTripsAsText()
    {
        var p = new StreamPosition("0a1b2c3d4e5f", 42);
        Assert.Equal("0a1b2c3d4e5f-42", p.ToString());
        Assert.True(StreamPosition.TryParse(p.ToString(), out var back));
        Assert.Equal(p, back);
        Assert.False(StreamPosition.TryParse("nodash", out _));
        Assert.False(StreamPosition.TryParse("-5", out _));
        Assert.False(StreamPosition.TryParse("e--5", out _));
        Assert.False(StreamPosition.TryParse(null, out _));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
