namespace Outcry.Core;

/// <summary>
/// Carries publications to every node's local subscribers, keeping them in history first. In memory (one node) it
/// is a direct call; over Redis, one script appends and publishes, and each node's subscription hands the
/// publication to its local sink. Saving to history and publishing are atomic, and every connection receives
/// publications in position order (socket.io's recovery gives a client one offset, the last it received).
/// </summary>
public interface IBroker
{
    /// <summary>
    /// Keeps <paramref name="publication"/> in history (unless volatile) and delivers it to the local sink of every
    /// node. Completes once it is durable as far as the broker can make it. One with an <see cref="Publication.Id"/>
    /// already published within the window is neither kept nor delivered again: the answer is a duplicate's.
    /// </summary>
    ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken = default);
}

/// <summary>
/// The position a publication was given (null for a volatile one) and the connections reached on this node; for a
/// <see cref="Duplicate"/>, the position the first publication with its id was given, and no connection reached.
/// </summary>
public readonly record struct PublishResult(StreamPosition? Position, int Recipients, bool Duplicate = false);

/// <summary>A node's local fan-out: hands a publication to the connections it selects here; returns how many.</summary>
public interface IPublicationSink
{
    int Deliver(Publication publication);
}

/// <summary>The single-node broker: append to the in-memory history and deliver, in one order for everyone.</summary>
public sealed class InMemoryBroker(InMemoryHistoryStore history, IPublicationSink sink) : IBroker
{
    // One lock orders position assignment and delivery together, so that no connection ever receives a higher
    // position before a lower one (its last offset would then skip a publication on recovery). Delivery only
    // enqueues, so the lock is held for a fan-out's enqueues, never for network writes.
    private readonly Lock _order = new();
    private readonly PublicationIds _ids = new(history.Options.IdWindow);

    public ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken = default)
    {
        lock (_order)
        {
            if (publication.Id is { } id && _ids.TryGet(id, history.Now, out var first))
            {
                return ValueTask.FromResult(new PublishResult(first, 0, Duplicate: true));
            }

            var stamped = publication.Volatile ? publication with { Time = history.Now } : history.Append(publication);
            if (publication.Id is { } newId)
            {
                _ids.Add(newId, stamped.Position, stamped.Time);
            }

            return ValueTask.FromResult(new PublishResult(stamped.Position, sink.Deliver(stamped)));
        }
    }
}
