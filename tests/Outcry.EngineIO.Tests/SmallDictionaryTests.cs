namespace Outcry.EngineIO.Tests;

public class SmallDictionaryTests
{
    [Fact]
    public void Set_AddsInOrder_AndReplacesAValueInPlace_KeepingTheFirstKeysSpelling()
    {
        var map = new SmallDictionary<int>(StringComparer.OrdinalIgnoreCase);
        map.Set("Host", 1);
        map.Set("Origin", 2);
        map.Set("Cookie", 3);
        map.Set("origin", 20);

        Assert.Equal(3, map.Count);
        Assert.Equal([new("Host", 1), new("Origin", 20), new("Cookie", 3)], map.ToArray());
        Assert.Equal(20, map["ORIGIN"]);
        Assert.Equal(["Host", "Origin", "Cookie"], map.Keys);
        Assert.Equal([1, 20, 3], map.Values);
    }

    [Fact]
    public void Lookups_FollowTheComparer()
    {
        var ordinal = new SmallDictionary<string>(StringComparer.Ordinal);
        ordinal.Set("chat", "handler");

        Assert.True(ordinal.ContainsKey("chat"));
        Assert.False(ordinal.ContainsKey("Chat"));
        Assert.False(ordinal.TryGetValue("Chat", out var missing));
        Assert.Null(missing);
        Assert.True(ordinal.TryGetValue("chat", out var found));
        Assert.Equal("handler", found);
        Assert.Throws<KeyNotFoundException>(() => ordinal["Chat"]);
    }

    [Fact]
    public void Remove_ClosesTheGap_AndTheMapGrowsAgainAfterIt()
    {
        var map = new SmallDictionary<int>(StringComparer.Ordinal);
        for (var i = 0; i < 7; i++)
        {
            map.Set($"/n{i}", i);
        }

        Assert.True(map.Remove("/n3"));
        Assert.False(map.Remove("/n3"));
        Assert.True(map.Remove("/n6"));
        Assert.Equal([0, 1, 2, 4, 5], map.Values);

        map.Set("/n7", 7);
        Assert.Equal([0, 1, 2, 4, 5, 7], map.Values);
        Assert.False(map.ContainsKey("/n6"));
    }

    [Fact]
    public void BuiltFromEntries_ALaterEntryOfAKeyReplacesTheEarlierOne()
    {
        var map = new SmallDictionary<string>(StringComparer.OrdinalIgnoreCase, [new("Accept", "a"), new("X-Id", "1"), new("accept", "b")]);

        Assert.Equal(2, map.Count);
        Assert.Equal("b", map["Accept"]);
        Assert.Equal("1", map["x-id"]);
        Assert.Empty(new SmallDictionary<string>(StringComparer.Ordinal, []));
    }
}
