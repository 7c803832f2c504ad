using System.Collections.Concurrent;

namespace Outcry.Core;

/// <summary>
/// Rooms and their members. Each room has its own lock, so joins, leaves and fan-outs of different rooms
/// never contend; there is no global lock. An empty room is removed.
/// </summary>
/// <typeparam name="TMember">A subscriber sink; compared by reference.</typeparam>
public sealed class RoomRegistry<TMember>
    where TMember : class
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    /// <summary>Number of non-empty rooms.</summary>
    public int RoomCount => _rooms.Count;

    /// <summary>Names of the non-empty rooms (a snapshot).</summary>
    public IReadOnlyCollection<string> RoomNames => _rooms.Keys.ToArray();

    /// <summary>Adds <paramref name="member"/> to <paramref name="room"/>; false if it was already there.</summary>
    public bool Join(string room, TMember member)
    {
        while (true)
        {
            var entry = _rooms.GetOrAdd(room, static _ => new Room());
            lock (entry)
            {
                if (entry.Removed)
                {
                    // Lost a race with the last member leaving; the name now maps to a fresh room.
                    continue;
                }

                return entry.Members.Add(member);
            }
        }
    }

    /// <summary>Removes <paramref name="member"/> from <paramref name="room"/>; false if it was not there.</summary>
    public bool Leave(string room, TMember member)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            if (!entry.Members.Remove(member))
            {
                return false;
            }

            if (entry.Members.Count == 0)
            {
                entry.Removed = true;
                _rooms.TryRemove(new KeyValuePair<string, Room>(room, entry));
            }

            return true;
        }
    }

    public int Count(string room)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return 0;
        }

        lock (entry)
        {
            return entry.Members.Count;
        }
    }

    public bool Contains(string room, TMember member)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            return entry.Members.Contains(member);
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for each member of <paramref name="room"/> while holding that room's
    /// lock, so <paramref name="visit"/> must not block (a fan-out only enqueues). No allocation.
    /// </summary>
    public void ForEach<TState>(string room, TState state, Action<TMember, TState> visit)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return;
        }

        lock (entry)
        {
            // foreach over the HashSet's struct enumerator: no allocation per fan-out.
            foreach (var member in entry.Members)
            {
                visit(member, state);
            }
        }
    }

    /// <summary>A snapshot of the members of <paramref name="room"/>.</summary>
    public TMember[] Members(string room)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return [];
        }

        lock (entry)
        {
            return [.. entry.Members];
        }
    }

    private sealed class Room
    {
        public readonly HashSet<TMember> Members = new(ReferenceEqualityComparer.Instance);
        public bool Removed;
    }
}
