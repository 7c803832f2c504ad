using System.Text.Json;

namespace Outcry.SocketIO.Internal;

/// <summary>A decoded inbound packet. <see cref="Data"/> is Undefined when the packet carried no payload.</summary>
internal sealed class SocketIoPacket
{
    public PacketType Type { get; init; }

    public string Namespace { get; init; } = "/";

    /// <summary>The ack id, or -1.</summary>
    public long AckId { get; init; } = -1;

    public JsonElement Data { get; init; }

    /// <summary>Binary attachments announced by the header (BINARY_EVENT / BINARY_ACK).</summary>
    public int AttachmentCount { get; init; }

    public List<ReadOnlyMemory<byte>> Attachments { get; } = [];

    public bool IsComplete => Attachments.Count == AttachmentCount;
}
