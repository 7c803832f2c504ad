namespace Outcry.Core;

/// <summary>
/// Who is in each room: the number of connections, and the distinct users among them (a user with two tabs open
/// counts once). Joining and leaving cost O(1) whatever the room's size; only listing the users is O(users).
/// </summary>
public interface IPresenceStore
{
    /// <summary>Records that connection <paramref name="connectionId"/> (of <paramref name="user"/>, null when anonymous) joined the room.</summary>
    ValueTask<PresenceChange> JoinAsync(string ns, string room, string connectionId, string? user);

    /// <summary>Records that the connection left the room.</summary>
    ValueTask<PresenceChange> LeaveAsync(string ns, string room, string connectionId, string? user);

    /// <summary>The room's presence, with at most <paramref name="maxUsers"/> of its users (in no particular order).</summary>
    ValueTask<Presence> GetAsync(string ns, string room, int maxUsers, CancellationToken cancellationToken = default);
}

/// <summary>A room's presence after a join or leave. <see cref="UserChanged"/>: the user's first connection joined, or its last one left.</summary>
public readonly record struct PresenceChange(int Count, int UserCount, bool UserChanged);

/// <summary>A room's presence: <see cref="Count"/> connections of <see cref="UserCount"/> distinct users (anonymous connections have none).</summary>
public sealed record Presence(int Count, int UserCount, IReadOnlyList<string> Users);
