using Outcry.Core;

namespace Outcry.Server.Push;

/// <summary>Where every entry point publishes: the broker, counted for /metrics.</summary>
internal sealed class Publisher(IBroker broker)
{
    private readonly long[] _published = new long[Enum.GetValues<PublishSource>().Length];
    private long _deliveries;

    /// <summary>Publications accepted from <paramref name="source"/>.</summary>
    public long Published(PublishSource source) => Interlocked.Read(ref _published[(int)source]);

    /// <summary>Connections this node handed a publication to.</summary>
    public long Deliveries => Interlocked.Read(ref _deliveries);

    public async ValueTask<PublishResult> PublishAsync(Publication publication, PublishSource source, CancellationToken cancellationToken = default)
    {
        var result = await broker.PublishAsync(publication, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _published[(int)source]);
        Interlocked.Add(ref _deliveries, result.Recipients);
        return result;
    }
}

internal enum PublishSource
{
    Http,
    Socket,
    Queue,
}
