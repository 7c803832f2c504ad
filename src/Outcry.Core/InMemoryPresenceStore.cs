using System.Collections.Concurrent;

namespace Outcry.Core;

/// <summary>
/// This node's presence: per room a connection count and a count per user, each room under its own lock.
/// Counts are kept as counters, not sets, so a leave that overtakes its join (two threads) evens out.
/// </summary>
public sealed class InMemoryPresenceStore : IPresenceStore
{
    private readonly ConcurrentDictionary<(string Ns, string Room), RoomPresence> _rooms = new();

    public ValueTask<PresenceChange> JoinAsync(string ns, string room, string connectionId, string? user) => new(Change(ns, room, user, +1));

    public ValueTask<PresenceChange> LeaveAsync(string ns, string room, string connectionId, string? user) => new(Change(ns, room, user, -1));

    public ValueTask<Presence> GetAsync(string ns, string room, int maxUsers, CancellationToken cancellationToken = default)
    {
        if (!_rooms.TryGetValue((ns, room), out var presence))
        {
            return new(new Presence(0, 0, []));
        }

        lock (presence)
        {
            var users = presence.Users.Where(u => u.Value > 0).Select(u => u.Key).Take(maxUsers).ToArray();
            return new(new Presence(Math.Max(0, presence.Connections), presence.UserCount, users));
        }
    }

    private PresenceChange Change(string ns, string room, string? user, int delta)
    {
        while (true)
        {
            var presence = _rooms.GetOrAdd((ns, room), static _ => new RoomPresence());
            lock (presence)
            {
                if (presence.Removed)
                {
                    // Lost a race with the room becoming empty; the name now maps to a fresh entry.
                    continue;
                }

                presence.Connections += delta;
                var userChanged = false;
                if (user is not null)
                {
                    var before = presence.Users.GetValueOrDefault(user);
                    var after = before + delta;
                    if (after == 0)
                    {
                        presence.Users.Remove(user);
                    }
                    else
                    {
                        presence.Users[user] = after;
                    }

                    userChanged = (before <= 0) != (after <= 0);
                    presence.UserCount += userChanged ? (after > 0 ? 1 : -1) : 0;
                }

                if (presence.Connections == 0 && presence.Users.Count == 0)
                {
                    presence.Removed = true;
                    _rooms.TryRemove(new KeyValuePair<(string, string), RoomPresence>((ns, room), presence));
                }

                return new PresenceChange(Math.Max(0, presence.Connections), presence.UserCount, userChanged);
            }
        }
    }

    private sealed class RoomPresence
    {
        public readonly Dictionary<string, int> Users = new(StringComparer.Ordinal);
        public int Connections;
        public int UserCount;
        public bool Removed;
    }
}
