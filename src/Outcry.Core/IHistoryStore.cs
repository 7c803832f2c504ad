namespace Outcry.Core;

/// <summary>
/// Per-room history with positions, and each room's current state per key. A publication to several rooms is kept
/// in each; a broadcast in its namespace's <see cref="BroadcastRoom"/>. Saving to history and publishing must be
/// atomic, and positions must reach every connection in order: the broker is the one that calls <c>Append</c>.
/// </summary>
public interface IHistoryStore
{
    /// <summary>The stream that holds a namespace's broadcasts (a name no room can have).</summary>
    const string BroadcastRoom = "\u0001broadcast";

    /// <summary>The newest position (the epoch, and the sequence of the last publication accepted).</summary>
    ValueTask<StreamPosition> LatestAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The publications of <paramref name="room"/> after <paramref name="since"/>, oldest first, at most
    /// <paramref name="limit"/>; without <paramref name="since"/>, the newest <paramref name="limit"/>.
    /// </summary>
    ValueTask<HistoryPage> ReadAsync(string ns, string room, StreamPosition? since, int limit, CancellationToken cancellationToken = default);

    /// <summary>The room's current state: the latest publication of each key, oldest first.</summary>
    ValueTask<IReadOnlyList<Publication>> StateAsync(string ns, string room, CancellationToken cancellationToken = default);
}

/// <summary>
/// A page of history. <see cref="Complete"/> is false when the history cannot say what came after the position
/// asked for — another epoch, or publications already evicted — and the reader must fall back to the current state.
/// <see cref="More"/> is true when the limit cut the page short.
/// </summary>
public sealed record HistoryPage(IReadOnlyList<Publication> Items, bool Complete, bool More, StreamPosition Latest);
