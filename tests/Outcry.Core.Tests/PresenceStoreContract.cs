namespace Outcry.Core.Tests;

/// <summary>What every presence store must do; each engine's tests derive from this.</summary>
public abstract class PresenceStoreContract
{
    protected abstract IPresenceStore Create();

    [Fact]
    public async Task TwoTabsOfOneUser_CountTwiceAsConnections_OnceAsUsers()
    {
        var store = Create();
        Assert.Equal(new PresenceChange(1, 1, true), await store.JoinAsync("/", "lot:1", "c1", "42"));
        Assert.Equal(new PresenceChange(2, 1, false), await store.JoinAsync("/", "lot:1", "c2", "42"));
        Assert.Equal(new PresenceChange(3, 2, true), await store.JoinAsync("/", "lot:1", "c3", "7"));
        Assert.Equal(new PresenceChange(4, 2, false), await store.JoinAsync("/", "lot:1", "c4", null));

        var presence = await store.GetAsync("/", "lot:1", 100);
        Assert.Equal(4, presence.Count);
        Assert.Equal(2, presence.UserCount);
        Assert.Equal(["42", "7"], presence.Users.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_User_Leaves_WithTheirLastConnection()
    {
        var store = Create();
        await store.JoinAsync("/", "lot:1", "c1", "42");
        await store.JoinAsync("/", "lot:1", "c2", "42");

        Assert.Equal(new PresenceChange(1, 1, false), await store.LeaveAsync("/", "lot:1", "c1", "42"));
        Assert.Equal(new PresenceChange(0, 0, true), await store.LeaveAsync("/", "lot:1", "c2", "42"));
        var presence = await store.GetAsync("/", "lot:1", 100);
        Assert.Equal((0, 0), (presence.Count, presence.UserCount));
        Assert.Empty(presence.Users);
    }

    [Fact]
    public async Task RoomsAndNamespaces_AreSeparate()
    {
        var store = Create();
        await store.JoinAsync("/", "lot:1", "c1", "42");
        await store.JoinAsync("/admin", "lot:1", "c2", "7");
        await store.JoinAsync("/", "lot:2", "c3", "8");

        Assert.Equal(["42"], (await store.GetAsync("/", "lot:1", 100)).Users);
        Assert.Equal(["7"], (await store.GetAsync("/admin", "lot:1", 100)).Users);
        Assert.Equal(0, (await store.GetAsync("/", "nobody", 100)).Count);
    }

    [Fact]
    public async Task TheUserList_IsCutAtTheLimit_ButTheCountsAreWhole()
    {
        var store = Create();
        for (var i = 0; i < 10; i++)
        {
            await store.JoinAsync("/", "big", "c" + i, "u" + i);
        }

        var presence = await store.GetAsync("/", "big", 3);
        Assert.Equal((10, 10, 3), (presence.Count, presence.UserCount, presence.Users.Count));
        Assert.Empty((await store.GetAsync("/", "big", 0)).Users);
    }

    [Fact]
    public async Task ConcurrentJoinsAndLeaves_EndCounted()
    {
        var store = Create();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var id = $"c{t}-{i}";
                var user = "u" + (i % 5);
                await store.JoinAsync("/", "hot", id, user);
                if (i % 2 == 0)
                {
                    await store.LeaveAsync("/", "hot", id, user);
                }
            }
        })));

        var presence = await store.GetAsync("/", "hot", 100);
        Assert.Equal(8 * 250, presence.Count);
        Assert.Equal(5, presence.UserCount);
    }
}

public sealed class InMemoryPresenceStoreTests : PresenceStoreContract
{
    protected override IPresenceStore Create() => new InMemoryPresenceStore();

    [Fact]
    public async Task A_LeaveThatOvertakesItsJoin_EvensOut()
    {
        var store = new InMemoryPresenceStore();
        await store.LeaveAsync("/", "lot:1", "c1", "42");
        await store.JoinAsync("/", "lot:1", "c1", "42");

        var presence = await store.GetAsync("/", "lot:1", 100);
        Assert.Equal((0, 0), (presence.Count, presence.UserCount));
        Assert.Empty(presence.Users);
    }
}
