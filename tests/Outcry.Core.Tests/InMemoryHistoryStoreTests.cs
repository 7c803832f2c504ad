namespace Outcry.Core.Tests;

public class InMemoryHistoryStoreTests : HistoryStoreContract
{
    protected override IHistoryStore Create(HistoryOptions options) => new InMemoryHistoryStore(options, Time);

    protected override Task<Publication> AppendAsync(IHistoryStore store, Publication publication) =>
        Task.FromResult(((InMemoryHistoryStore)store).Append(publication));

    protected override Task SweepAsync(IHistoryStore store)
    {
        ((InMemoryHistoryStore)store).Sweep();
        return Task.CompletedTask;
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
}
