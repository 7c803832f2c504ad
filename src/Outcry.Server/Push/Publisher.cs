using Outcry.Core;

namespace Outcry.Server.Push;

/// <summary>Where every entry point publishes: the broker, counted for /metrics.</summary>
internal sealed class Publisher(IBroker broker)
{
    private long _viaHttp;
    private long _viaSocket;
    private long _deliveries;

    public long PublishedViaHttp => Interlocked.Read(ref _viaHttp);

    public long PublishedViaSocket => Interlocked.Read(ref _viaSocket);

    /// <summary>Connections this node handed a publication to.</summary>
    public long Deliveries => Interlocked.Read(ref _deliveries);

    public async ValueTask<PublishResult> PublishAsync(Publication publication, PublishSource source, CancellationToken cancellationToken = default)
    {
        var result = await broker.PublishAsync(publication, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref source == PublishSource.Http ? ref _viaHttp : ref _viaSocket);
        Interlocked.Add(ref _deliveries, result.Recipients);
        return result;
    }
}

internal enum PublishSource
{
    Http,
    Socket,
}
