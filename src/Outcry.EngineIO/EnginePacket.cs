using System.Text;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// One outbound Engine.IO packet, encoded once and shareable by any number of connections:
/// a text packet holds its type digit then its UTF-8 data ("4hello", "2", "3probe");
/// a binary packet holds the raw bytes (sent as a binary frame, or "b"+base64 over polling).
/// </summary>
public sealed class EnginePacket : ISheddable
{
    internal static readonly EnginePacket Ping = new("2"u8.ToArray(), false);
    internal static readonly EnginePacket PongProbe = new("3probe"u8.ToArray(), false);
    internal static readonly EnginePacket Noop = new("6"u8.ToArray(), false);
    internal static readonly EnginePacket Close = new("1"u8.ToArray(), false);

    // Ends the queue after the client asked to close: a pending GET answers a noop, as the reference server does.
    internal static readonly EnginePacket ClientClose = new("6"u8.ToArray(), false);

    // Built on first use; a race builds the same bytes twice at worst, and either copy is right.
    private byte[]? _frame;

    private EnginePacket(ReadOnlyMemory<byte> data, bool isBinary, string? supersedeKey = null, bool droppable = false)
    {
        Data = data;
        IsBinary = isBinary;
        SupersedeKey = supersedeKey;
        Droppable = droppable;
    }

    /// <summary>The encoded packet: type digit + UTF-8 data for text, raw bytes for binary.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public bool IsBinary { get; }

    /// <summary>
    /// A later packet with the same key supersedes this one while it waits in a backlogged connection's queue
    /// (only the latest per key is sent). Null: never superseded.
    /// </summary>
    public string? SupersedeKey { get; }

    /// <summary>Whether a backlogged connection may drop this packet rather than queue it (socket.io's "volatile").</summary>
    public bool Droppable { get; }

    internal bool IsClose => ReferenceEquals(this, Close) || ReferenceEquals(this, ClientClose);

    /// <summary>
    /// The packet as one unmasked WebSocket frame (RFC 6455 §5.2), built the first time a WebSocket connection
    /// sends it: a broadcast is framed once, however many connections it reaches.
    /// </summary>
    internal ReadOnlyMemory<byte> WebSocketFrame => _frame ??= WebSocketConnection.ServerFrame(IsBinary ? WebSocketConnection.Binary : WebSocketConnection.Text, Data.Span);

    /// <summary>A message packet ('4') around UTF-8 text.</summary>
    public static EnginePacket Message(ReadOnlySpan<byte> utf8)
    {
        var bytes = new byte[utf8.Length + 1];
        bytes[0] = (byte)'4';
        utf8.CopyTo(bytes.AsSpan(1));
        return new EnginePacket(bytes, false);
    }

    public static EnginePacket Message(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        bytes[0] = (byte)'4';
        Encoding.UTF8.GetBytes(text, bytes.AsSpan(1));
        return new EnginePacket(bytes, false);
    }

    /// <summary>
    /// A message packet built in place: the caller wrote the UTF-8 data from index 1 of
    /// <paramref name="buffer"/>; index 0 becomes the '4'. The buffer is not copied and must not change afterwards.
    /// </summary>
    public static EnginePacket MessageInPlace(byte[] buffer)
    {
        buffer[0] = (byte)'4';
        return new EnginePacket(buffer, false);
    }

    /// <summary>A binary message packet; the bytes are not copied and must not change afterwards.</summary>
    public static EnginePacket Binary(ReadOnlyMemory<byte> bytes) => new(bytes, true);

    /// <summary>The same bytes, with how a backlogged connection may shed them (see <see cref="SupersedeKey"/>, <see cref="Droppable"/>).</summary>
    public EnginePacket WithShedding(string? supersedeKey, bool droppable) => new(Data, IsBinary, supersedeKey, droppable);

    internal static EnginePacket FromEncoded(byte[] encoded) => new(encoded, false);

    public override string ToString() => IsBinary ? $"<binary {Data.Length} bytes>" : Encoding.UTF8.GetString(Data.Span);
}
