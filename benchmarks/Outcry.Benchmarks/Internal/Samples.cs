using System.Text;
using System.Text.Json;

namespace Outcry.Benchmarks.Internal;

/// <summary>The inputs every benchmark shares, sized like a live auction's traffic.</summary>
internal static class Samples
{
    public const string Event = "m";

    /// <summary>The event's data: <c>{"s":123,"t":1234567890123,"p":"xxxx…"}</c>, padded so that the packet is 100 bytes.</summary>
    public static readonly JsonElement Data = CreateData();

    /// <summary>The Engine.IO message as it goes on the wire: <c>42["m",{"s":123,"t":1234567890123,"p":"xxxx…"}]</c>, 100 bytes.</summary>
    public static readonly byte[] EventMessage = Encoding.UTF8.GetBytes("42[\"m\"," + Data.GetRawText() + "]");

    /// <summary>The Socket.IO packet inside it, as the decoder gets it (the Engine.IO '4' already stripped).</summary>
    public static ReadOnlyMemory<byte> EventPacket => EventMessage.AsMemory(1);

    /// <summary>A binary event's metadata, and its one attachment (1 KiB, as a small image or a protobuf blob).</summary>
    public static readonly JsonElement UploadMeta = JsonDocument.Parse("""{"name":"bid.bin","lot":100}""").RootElement.Clone();

    public static readonly byte[] Attachment = CreateAttachment(1024);

    /// <summary><c>51-["upload",{"name":"bid.bin","lot":100},{"_placeholder":true,"num":0}]</c></summary>
    public static readonly byte[] BinaryEventPacket = Encoding.UTF8.GetBytes(
        "51-[\"upload\"," + UploadMeta.GetRawText() + ",{\"_placeholder\":true,\"num\":0}]");

    private static JsonElement CreateData()
    {
        const string Prefix = "42[\"m\",{\"s\":123,\"t\":1234567890123,\"p\":\"";
        const string Suffix = "\"}]";
        var padding = new string('x', 100 - Prefix.Length - Suffix.Length);
        var data = JsonDocument.Parse("{\"s\":123,\"t\":1234567890123,\"p\":\"" + padding + "\"}").RootElement.Clone();
        var length = Encoding.UTF8.GetByteCount("42[\"m\"," + data.GetRawText() + "]");
        return length == 100 ? data : throw new InvalidOperationException($"the sample event is {length} bytes, not 100");
    }

    private static byte[] CreateAttachment(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
