using System.Collections.Concurrent;
using System.Text.Json;
using Outcry.Core;
using Outcry.Server.Push;

namespace Outcry.Server.Sse;

/// <summary>This node's EventSource connections by namespace and room, and their fan-out: each publication encoded once.</summary>
internal sealed class SseHub : IPublicationSink
{
    private readonly ConcurrentDictionary<string, Connections> _namespaces = new(StringComparer.Ordinal);

    public SseCounters Counters { get; } = new();

    public int Count => (int)Interlocked.Read(ref Counters.Connections);

    public void Add(SseConnection connection)
    {
        var ns = _namespaces.GetOrAdd(connection.Namespace, static _ => new Connections());
        ns.All[connection.Id] = connection;
        foreach (var room in connection.Rooms)
        {
            ns.Rooms.Join(room, connection);
        }

        Interlocked.Increment(ref Counters.Connections);
    }

    public void Remove(SseConnection connection)
    {
        if (!_namespaces.TryGetValue(connection.Namespace, out var ns) || !ns.All.TryRemove(connection.Id, out _))
        {
            return;
        }

        foreach (var room in connection.Rooms)
        {
            ns.Rooms.Leave(room, connection);
        }

        Interlocked.Decrement(ref Counters.Connections);
    }

    public int Deliver(Publication publication)
    {
        if (!_namespaces.TryGetValue(publication.Namespace, out var ns) || ns.All.IsEmpty)
        {
            return 0;
        }

        var delivery = new Delivery(() => SseFrame.Of(publication, SocketIoSink.SupersedeKeyOf(publication)), publication.Target.Except);
        var target = publication.Target;
        if (target.Broadcast)
        {
            foreach (var (_, connection) in ns.All)
            {
                delivery.Offer(connection);
            }
        }
        else
        {
            var rooms = target.AllRooms().ToList();
            HashSet<SseConnection>? seen = rooms.Count > 1 ? new(ReferenceEqualityComparer.Instance) : null;
            foreach (var room in rooms)
            {
                ns.Rooms.ForEach(room, (delivery, seen), static (connection, s) =>
                {
                    if (s.seen is null || s.seen.Add(connection))
                    {
                        s.delivery.Offer(connection);
                    }
                });
            }
        }

        return delivery.Count;
    }

    /// <summary>An event outside the ordered stream (no id) to the EventSources in <paramref name="room"/>.</summary>
    public void Emit(string ns, string room, string eventName, object data, string? supersedeKey)
    {
        if (!_namespaces.TryGetValue(ns, out var connections) || connections.Rooms.Count(room) == 0)
        {
            return;
        }

        var frame = SseFrame.Event(null, eventName, JsonSerializer.SerializeToElement(data, JsonDefaults.Options), supersedeKey: supersedeKey);
        connections.Rooms.ForEach(room, frame, static (connection, f) => connection.Offer(f));
    }

    /// <summary>Ends every stream (shutdown): EventSources reconnect, to another node if this one is gone.</summary>
    public void EndAll()
    {
        foreach (var (_, ns) in _namespaces)
        {
            foreach (var (_, connection) in ns.All)
            {
                connection.End();
            }
        }
    }

    private sealed class Connections
    {
        public readonly ConcurrentDictionary<string, SseConnection> All = new(StringComparer.Ordinal);
        public readonly RoomRegistry<SseConnection> Rooms = new();
    }

    // Encodes the frame for the first recipient only: nobody listening over SSE costs nothing.
    private sealed class Delivery(Func<SseFrame> encode, IReadOnlyList<string> except)
    {
        private SseFrame? _frame;

        public int Count;

        public void Offer(SseConnection connection)
        {
            foreach (var room in except)
            {
                if (connection.Rooms.Contains(room) || room == connection.Id)
                {
                    return;
                }
            }

            _frame ??= encode();
            connection.Offer(_frame);
            Count++;
        }
    }
}
