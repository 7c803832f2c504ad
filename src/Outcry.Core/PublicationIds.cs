namespace Outcry.Core;

/// <summary>
/// The ids of recent publications on one node and the positions they were given, remembered for a window so that a
/// publication published again (a retry, a queue's redelivery) is known as a duplicate. Not thread-safe: the
/// in-memory broker uses it under its ordering lock.
/// </summary>
internal sealed class PublicationIds(TimeSpan window)
{
    // Past this many, the oldest ids are forgotten before their window ends: memory stays bounded under any rate.
    internal const int MaxIds = 1_000_000;

    private readonly Dictionary<string, StreamPosition?> _positions = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset Expires)> _byExpiry = new();

    public bool TryGet(string id, DateTimeOffset now, out StreamPosition? position)
    {
        Forget(now);
        return _positions.TryGetValue(id, out position);
    }

    public void Add(string id, StreamPosition? position, DateTimeOffset now)
    {
        Forget(now);
        if (_positions.TryAdd(id, position))
        {
            _byExpiry.Enqueue((id, now + window));
        }

        while (_positions.Count > MaxIds)
        {
            _positions.Remove(_byExpiry.Dequeue().Id);
        }
    }

    private void Forget(DateTimeOffset now)
    {
        while (_byExpiry.TryPeek(out var oldest) && oldest.Expires <= now)
        {
            _positions.Remove(_byExpiry.Dequeue().Id);
        }
    }
}
