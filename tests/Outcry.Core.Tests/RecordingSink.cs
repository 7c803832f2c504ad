namespace Outcry.Core.Tests;

/// <summary>A node's local fan-out that records what reaches it, as one connection would.</summary>
public sealed class RecordingSink : IPublicationSink
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

    /// <summary>The publications' data, each an integer.</summary>
    public int[] Data() => [.. Received.Select(p => p.Data.GetInt32())];

    /// <summary>Waits (10 s at most) until <paramref name="count"/> publications arrived.</summary>
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
