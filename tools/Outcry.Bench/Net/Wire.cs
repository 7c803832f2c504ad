using System.Text;

namespace Outcry.Bench.Net;

/// <summary>What a received text message was, to a benchmark client.</summary>
internal enum Incoming
{
    Other,

    /// <summary>The server accepted the client (Socket.IO CONNECT answer, SignalR handshake answer).</summary>
    Connected,

    /// <summary>An application event: its payload carries the benchmark's sequence number and send time.</summary>
    Event,
}

/// <summary>
/// One server's wire protocol over WebSocket, as far as the benchmark needs it: where to connect, what to say first,
/// what a received message is, and what to answer. Each implementation is a singleton shared by every connection.
/// </summary>
internal abstract class Wire
{
    /// <summary>The request target of the WebSocket upgrade for a client in <paramref name="room"/>.</summary>
    public abstract string PathFor(string room);

    /// <summary>Sent as soon as the WebSocket is open (may be empty).</summary>
    public virtual byte[] Hello => [];

    /// <summary>Sent every <see cref="KeepAliveEvery"/> by the client to stay connected (may be empty).</summary>
    public virtual byte[] KeepAlive => [];

    public virtual TimeSpan KeepAliveEvery => TimeSpan.Zero;

    /// <summary>
    /// Reads the first protocol message of a text frame and returns its length in <paramref name="length"/> (a frame
    /// may hold several); <paramref name="reply"/> is a whole masked frame to send back (or empty), and for an
    /// <see cref="Incoming.Event"/>, <paramref name="eventPayload"/> is where its data is.
    /// </summary>
    public abstract Incoming Read(ReadOnlySpan<byte> message, out byte[] reply, out Range eventPayload, out int length);

    /// <summary>A client-to-server text frame, masked with a zero key (RFC 6455 requires a mask, not a random one).</summary>
    public static byte[] Frame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        if (payload.Length > 125)
        {
            throw new ArgumentException("control-sized frames only", nameof(text));
        }

        return [0x81, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
    }
}

/// <summary>Engine.IO v4 / Socket.IO v5 over WebSocket (Outcry and Node's socket.io).</summary>
internal sealed class SocketIoWire : Wire
{
    private static readonly byte[] Connect = Frame("40");
    private static readonly byte[] Pong = Frame("3");

    public override string PathFor(string room) => $"/socket.io/?EIO=4&transport=websocket&itemId={Uri.EscapeDataString(room)}";

    // Engine.IO packet type first: 0 open, 2 ping, 4 message; then Socket.IO: 0 CONNECT, 2 EVENT.
    public override Incoming Read(ReadOnlySpan<byte> message, out byte[] reply, out Range eventPayload, out int length)
    {
        reply = [];
        eventPayload = default;
        length = message.Length; // one Engine.IO packet per WebSocket frame
        if (message.IsEmpty)
        {
            return Incoming.Other;
        }

        switch (message[0])
        {
            case (byte)'0':
                reply = Connect;
                return Incoming.Other;
            case (byte)'2':
                reply = Pong;
                return Incoming.Other;
            case (byte)'4' when message.Length > 1 && message[1] == (byte)'0':
                return Incoming.Connected;
            case (byte)'4' when message.Length > 1 && message[1] == (byte)'2':
                eventPayload = 2..message.Length;
                return Incoming.Event;
            default:
                return Incoming.Other;
        }
    }
}

/// <summary>ASP.NET Core SignalR's JSON hub protocol over WebSocket, connected without negotiation.</summary>
internal sealed class SignalRWire : Wire
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] HandshakeRequest = Frame("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] Ping = Frame("{\"type\":6}\u001e");

    public override string PathFor(string room) => $"/hub?itemId={Uri.EscapeDataString(room)}";

    public override byte[] Hello => HandshakeRequest;

    public override byte[] KeepAlive => Ping;

    // The server drops a client silent for 30 s (ClientTimeoutInterval).
    public override TimeSpan KeepAliveEvery => TimeSpan.FromSeconds(10);

    // Records end with 0x1E, and one frame may carry several: the handshake answer "{}", then
    // {"type":1,"target":"m","arguments":[…]} invocations and {"type":6} pings.
    public override Incoming Read(ReadOnlySpan<byte> message, out byte[] reply, out Range eventPayload, out int length)
    {
        reply = [];
        var end = message.IndexOf(RecordSeparator);
        length = end < 0 ? message.Length : end + 1;
        eventPayload = 0..(end < 0 ? message.Length : end);
        if (message.StartsWith("{}"u8))
        {
            return Incoming.Connected;
        }

        return message.StartsWith("{\"type\":1,"u8) ? Incoming.Event : Incoming.Other;
    }
}
