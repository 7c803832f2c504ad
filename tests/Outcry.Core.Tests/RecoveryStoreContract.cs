using System.Text.Json;

namespace Outcry.Core.Tests;

/// <summary>What every recovery store must do; each engine's tests derive from this.</summary>
public abstract class RecoveryStoreContract
{
    protected ManualTime Time { get; } = new();

    protected abstract IRecoveryStore Create();

    /// <summary>Lets <paramref name="window"/> pass for the session of <paramref name="pid"/>.</summary>
    protected abstract Task LetPassAsync(IRecoveryStore store, string pid, TimeSpan window);

    private static RecoverySession Session(string pid) => new(
        pid,
        "socket-" + pid,
        "/auction",
        ["lot:1", "user:42"],
        new ClientIdentity { UserId = "42", Rooms = ["lot:*"], Info = JsonSerializer.SerializeToElement(new { name = "Ann" }) },
        new StreamPosition("0a1b2c3d4e5f", 7));

    [Fact]
    public async Task A_Session_IsTakenBackWhole_AndOnlyOnce()
    {
        var store = Create();
        await store.SaveAsync(Session("p1"), TimeSpan.FromMinutes(2));

        var back = await store.TakeAsync("p1");
        Assert.NotNull(back);
        Assert.Equal(("socket-p1", "/auction", new StreamPosition("0a1b2c3d4e5f", 7)), (back.SocketId, back.Namespace, back.Start));
        Assert.Equal(["lot:1", "user:42"], back.Rooms);
        Assert.Equal(("42", "lot:*"), (back.Identity.UserId, back.Identity.Rooms.Single()));
        Assert.Equal("Ann", back.Identity.Info.GetProperty("name").GetString());
        Assert.Null(await store.TakeAsync("p1"));
    }

    [Fact]
    public async Task An_AnonymousSession_IsTakenBack()
    {
        var store = Create();
        await store.SaveAsync(Session("p4") with { Identity = ClientIdentity.Anonymous }, TimeSpan.FromMinutes(2));

        var back = await store.TakeAsync("p4");
        Assert.NotNull(back);
        Assert.Null(back.Identity.UserId);
        Assert.Equal(JsonValueKind.Undefined, back.Identity.Info.ValueKind);
        Assert.False(back.Identity.Trusted);
    }

    [Fact]
    public async Task An_UnknownPid_HasNoSession()
    {
        Assert.Null(await Create().TakeAsync("nobody"));
    }

    [Fact]
    public async Task A_Session_Expires_WithItsWindow()
    {
        var store = Create();
        await store.SaveAsync(Session("p2"), TimeSpan.FromMilliseconds(300));
        await store.SaveAsync(Session("p3"), TimeSpan.FromMinutes(2));
        await LetPassAsync(store, "p2", TimeSpan.FromMilliseconds(300));

        Assert.Null(await store.TakeAsync("p2"));
        Assert.NotNull(await store.TakeAsync("p3"));
    }
}

public sealed class InMemoryRecoveryStoreTests : RecoveryStoreContract
{
    protected override IRecoveryStore Create() => new InMemoryRecoveryStore(Time);

    protected override Task LetPassAsync(IRecoveryStore store, string pid, TimeSpan window)
    {
        Time.Advance(window);
        return Task.CompletedTask;
    }
}
