using Outcry.EngineIO;
using Outcry.SocketIO.Internal;

namespace Outcry.SocketIO;

/// <summary>
/// Selects recipients in a namespace (rooms, exclusions) and emits to them. The packet is encoded once and
/// the same bytes are queued for every recipient.
/// </summary>
public readonly struct BroadcastOperator
{
    private readonly Namespace _nsp;
    private readonly string[] _rooms;
    private readonly string[] _except;
    private readonly SocketIoSocket? _exceptSocket;
    private readonly string? _supersedeKey;
    private readonly bool _volatile;

    internal BroadcastOperator(Namespace nsp)
        : this(nsp, [], [], null, null, false)
    {
    }

    private BroadcastOperator(Namespace nsp, string[] rooms, string[] except, SocketIoSocket? exceptSocket, string? supersedeKey, bool isVolatile)
    {
        _nsp = nsp;
        _rooms = rooms;
        _except = except;
        _exceptSocket = exceptSocket;
        _supersedeKey = supersedeKey;
        _volatile = isVolatile;
    }

    public BroadcastOperator To(string room) => new(_nsp, [.. _rooms, room], _except, _exceptSocket, _supersedeKey, _volatile);

    public BroadcastOperator Except(string room) => new(_nsp, _rooms, [.. _except, room], _exceptSocket, _supersedeKey, _volatile);

    /// <summary>As socket.io's <c>volatile</c>: a connection that is backlogged drops the event rather than queue it.</summary>
    public BroadcastOperator Volatile => new(_nsp, _rooms, _except, _exceptSocket, _supersedeKey, true);

    /// <summary>
    /// The event is state that a later one with the same <paramref name="key"/> supersedes: a backlogged connection
    /// sends only the latest of those still waiting (conflation).
    /// </summary>
    public BroadcastOperator Superseding(string key) => new(_nsp, _rooms, _except, _exceptSocket, key, _volatile);

    internal BroadcastOperator Except(SocketIoSocket socket) => new(_nsp, _rooms, _except, socket, _supersedeKey, _volatile);

    /// <summary>Emits to the selected sockets; returns how many it was queued for.</summary>
    public int Emit(string eventName, params object?[] args) => EmitOrdered(0, eventName, args);

    /// <summary>
    /// Emits an event that has a position in an ordered stream (<paramref name="position"/> &gt; 0): a socket that
    /// already got this position or a later one (from a recovery replay) skips it.
    /// </summary>
    public int EmitOrdered(long position, string eventName, params object?[] args)
    {
        var packets = PacketEncoder.Event(_nsp.Name, eventName, args);
        if (packets.Length == 1 && (_supersedeKey is not null || _volatile))
        {
            // Binary events (with attachments) are never shed: their packets must stay together.
            packets[0] = packets[0].WithShedding(_supersedeKey, _volatile);
        }

        var delivery = new Delivery(packets, position, _except, _exceptSocket);
        if (_rooms.Length == 0)
        {
            _nsp.ForEachSocket(delivery, static (socket, d) => d.Offer(socket));
        }
        else if (_rooms.Length == 1)
        {
            _nsp.Rooms.ForEach(_rooms[0], delivery, static (socket, d) => d.Offer(socket));
        }
        else
        {
            // A socket in several of the rooms gets the packet once: the first room that holds it stamps it.
            lock (_nsp.MultiRoomBroadcast)
            {
                delivery.Mark = ++_nsp.LastBroadcastMark;
                foreach (var room in _rooms)
                {
                    _nsp.Rooms.ForEach(room, delivery, static (socket, d) => d.OfferOnce(socket));
                }
            }
        }

        return delivery.Count;
    }

    private sealed class Delivery(EnginePacket[] packets, long position, string[] except, SocketIoSocket? exceptSocket)
    {
        public int Count;
        public long Mark;

        // Under the namespace's MultiRoomBroadcast lock.
        public void OfferOnce(SocketIoSocket socket)
        {
            if (socket.BroadcastMark != Mark)
            {
                socket.BroadcastMark = Mark;
                Offer(socket);
            }
        }

        public void Offer(SocketIoSocket socket)
        {
            if (ReferenceEquals(socket, exceptSocket) || !socket.Connected)
            {
                return;
            }

            foreach (var room in except)
            {
                if (socket.IsInRoom(room))
                {
                    return;
                }
            }

            socket.Send(packets, position);
            Count++;
        }
    }
}
