namespace Outcry.Core;

/// <summary>
/// Carries publications to every node's local subscribers. In memory (one node) it is a direct call; over Redis it
/// is one PUBLISH that each node's subscription hands to its local sink.
/// </summary>
public interface IBroker
{
    /// <summary>
    /// Delivers <paramref name="publication"/> to the local sink of every node. Completes once the broker accepted it;
    /// returns the number of connections reached on this node.
    /// </summary>
    ValueTask<int> PublishAsync(Publication publication, CancellationToken cancellationToken = default);
}

/// <summary>A node's local fan-out: hands a publication to the connections it selects here; returns how many.</summary>
public interface IPublicationSink
{
    int Deliver(Publication publication);
}

/// <summary>The single-node broker: publishing is delivering to the local sink, synchronously.</summary>
public sealed class InMemoryBroker(IPublicationSink sink) : IBroker
{
    public ValueTask<int> PublishAsync(Publication publication, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(sink.Deliver(publication));
}
