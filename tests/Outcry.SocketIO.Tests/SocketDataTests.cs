namespace Outcry.SocketIO.Tests;

public class SocketDataTests
{
    [Fact]
    public void Indexer_AddsReplacesAndReads_AndAMissingKeyThrows()
    {
        var data = new SocketData();
        data["user"] = "alice";
        data["checked"] = true;
        data["user"] = "bob";

        Assert.Equal(2, data.Count);
        Assert.Equal("bob", data["user"]);
        Assert.True(data.ContainsKey("checked"));
        Assert.False(data.ContainsKey("User"));
        Assert.Throws<KeyNotFoundException>(() => data["missing"]);
        Assert.False(data.TryGetValue("missing", out _));
    }

    [Fact]
    public void TryRemove_GivesTheValueBack_Once()
    {
        var data = new SocketData();
        data["a"] = 1;

        Assert.True(data.TryRemove("a", out var value));
        Assert.Equal(1, value);
        Assert.False(data.TryRemove("a", out _));
        Assert.Equal(0, data.Count);
    }

    [Fact]
    public void Enumeration_IsASnapshot_ThatLaterChangesDoNotDisturb()
    {
        var data = new SocketData();
        data["a"] = 1;
        data["b"] = 2;

        using var enumerator = data.GetEnumerator();
        data["c"] = 3;
        data.TryRemove("a", out _);

        var seen = new List<string>();
        while (enumerator.MoveNext())
        {
            seen.Add(enumerator.Current.Key);
        }

        Assert.Equal(["a", "b"], seen);
        Assert.Equal(["b", "c"], data.Select(p => p.Key));
    }

    [Fact]
    public async Task GetOrAdd_FromManyThreadsAtOnce_CreatesOneValue()
    {
        var data = new SocketData();
        var created = 0;
        using var start = new Barrier(8);
        var values = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return data.GetOrAdd("inFlight", _ =>
            {
                Interlocked.Increment(ref created);
                return new object();
            });
        })));

        Assert.Equal(1, created);
        Assert.All(values, v => Assert.Same(values[0], v));
    }
}
