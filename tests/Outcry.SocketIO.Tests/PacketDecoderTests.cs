using System.Text;
using System.Text.Json;
using Outcry.SocketIO.Internal;

namespace Outcry.SocketIO.Tests;

public class PacketDecoderTests
{
    [Theory]
    [InlineData("0", (int)PacketType.Connect, "/", -1, null, 0)]
    [InlineData("0{\"token\":\"123\"}", (int)PacketType.Connect, "/", -1, "{\"token\":\"123\"}", 0)]
    [InlineData("0/custom,", (int)PacketType.Connect, "/custom", -1, null, 0)]
    [InlineData("0/custom", (int)PacketType.Connect, "/custom", -1, null, 0)]
    [InlineData("0/admin,{\"token\":\"abc\"}", (int)PacketType.Connect, "/admin", -1, "{\"token\":\"abc\"}", 0)]
    [InlineData("1", (int)PacketType.Disconnect, "/", -1, null, 0)]
    [InlineData("1/custom,", (int)PacketType.Disconnect, "/custom", -1, null, 0)]
    [InlineData("2[\"hello\",1]", (int)PacketType.Event, "/", -1, "[\"hello\",1]", 0)]
    [InlineData("2/chat,12[\"hello\"]", (int)PacketType.Event, "/chat", 12, "[\"hello\"]", 0)]
    [InlineData("2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]", (int)PacketType.Event, "/", 456, "[\"message-with-ack\",1,\"2\",{\"3\":[false]}]", 0)]
    [InlineData("2[42]", (int)PacketType.Event, "/", -1, "[42]", 0)]
    [InlineData("3/chat,7[\"ok\"]", (int)PacketType.Ack, "/chat", 7, "[\"ok\"]", 0)]
    [InlineData("4{\"message\":\"Invalid namespace\"}", (int)PacketType.ConnectError, "/", -1, "{\"message\":\"Invalid namespace\"}", 0)]
    [InlineData("52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", (int)PacketType.BinaryEvent, "/", -1, "[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", 2)]
    [InlineData("61-/chat,3[{\"_placeholder\":true,\"num\":0}]", (int)PacketType.BinaryAck, "/chat", 3, "[{\"_placeholder\":true,\"num\":0}]", 1)]
    public void Decode_ValidPacket_GivesEveryField(string wire, int type, string nsp, long ackId, string? data, int attachments)
    {
        Assert.True(PacketDecoder.TryDecode(Encoding.UTF8.GetBytes(wire), 10, out var packet, out var error), error);
        Assert.Equal((PacketType)type, packet!.Type);
        Assert.Equal(nsp, packet.Namespace);
        Assert.Equal(ackId, packet.AckId);
        Assert.Equal(data, packet.Data.ValueKind == JsonValueKind.Undefined ? null : packet.Data.GetRawText());
        Assert.Equal(attachments, packet.AttachmentCount);
    }

    [Theory]
    [InlineData("", "empty packet")]
    [InlineData("abc", "unknown packet type")]
    [InlineData("7[\"x\"]", "unknown packet type")]
    [InlineData("2{}", "invalid payload")]
    [InlineData("2abc[\"message-with-ack\",1]", "invalid payload")]
    [InlineData("2[\"connect\"]", "invalid payload")]
    [InlineData("2[\"disconnect\",1]", "invalid payload")]
    [InlineData("2[]", "invalid payload")]
    [InlineData("2[{}]", "invalid payload")]
    [InlineData("2[\"a\"", "invalid payload")]
    [InlineData("2[\"a\"]x", "invalid payload")]
    [InlineData("0[]", "invalid payload")]
    [InlineData("0\"str\"", "invalid payload")]
    [InlineData("1{}", "invalid payload")]
    [InlineData("3{}", "invalid payload")]
    [InlineData("3[1]", "invalid payload")]
    [InlineData("4[]", "invalid payload")]
    [InlineData("5[\"a\"]", "illegal attachments")]
    [InlineData("5x-[\"a\"]", "illegal attachments")]
    [InlineData("511-[\"a\"]", "too many attachments")]
    [InlineData("21234567890123456[\"a\"]", "invalid ack id")]
    public void Decode_InvalidPacket_IsRejectedWithReason(string wire, string reason)
    {
        Assert.False(PacketDecoder.TryDecode(Encoding.UTF8.GetBytes(wire), 10, out _, out var error));
        Assert.Equal(reason, error);
    }
}
