using System.Text;
using System.Text.Json;
using Outcry.EngineIO;
using Outcry.SocketIO.Internal;

namespace Outcry.SocketIO.Tests;

public class PacketEncoderTests
{
    [Fact]
    public void Event_MainNamespace_MatchesJsonStringify()
    {
        var packets = PacketEncoder.Event("/", "message-back", [1, "2", new Dictionary<string, object?> { ["3"] = new object[] { true } }]);
        Assert.Equal("42[\"message-back\",1,\"2\",{\"3\":[true]}]", Text(Assert.Single(packets)));
    }

    [Fact]
    public void Event_CustomNamespaceWithAckId_PutsNamespaceCommaThenId()
    {
        Assert.Equal("42/chat,7[\"ping\"]", Text(Assert.Single(PacketEncoder.Event("/chat", "ping", [], 7))));
    }

    [Fact]
    public void Event_NonAsciiAndHtml_AreNotEscaped()
    {
        Assert.Equal("42[\"m\",\"é <b> & '€'\"]", Text(Assert.Single(PacketEncoder.Event("/", "m", ["é <b> & '€'"]))));
    }

    [Fact]
    public void Event_WithBinary_IsBinaryEventWithPlaceholdersThenAttachments()
    {
        var packets = PacketEncoder.Event("/", "upload", [new byte[] { 1, 2, 3 }, new Dictionary<string, object?> { ["file"] = new byte[] { 4, 5, 6 } }]);
        Assert.Equal(3, packets.Length);
        Assert.Equal("452-[\"upload\",{\"_placeholder\":true,\"num\":0},{\"file\":{\"_placeholder\":true,\"num\":1}}]", Text(packets[0]));
        Assert.True(packets[1].IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3 }, packets[1].Data.ToArray());
        Assert.Equal(new byte[] { 4, 5, 6 }, packets[2].Data.ToArray());
    }

    [Fact]
    public void Ack_PlainAndBinary()
    {
        Assert.Equal("43456[1,\"2\"]", Text(Assert.Single(PacketEncoder.Ack("/", 456, [1, "2"]))));
        var binary = PacketEncoder.Ack("/admin", 789, [new byte[] { 9 }]);
        Assert.Equal("461-/admin,789[{\"_placeholder\":true,\"num\":0}]", Text(binary[0]));
    }

    [Fact]
    public void ControlPackets_MatchTheReferenceWireForm()
    {
        Assert.Equal("40{\"sid\":\"abc\"}", Text(PacketEncoder.Connect("/", "abc")));
        Assert.Equal("40/custom,{\"sid\":\"abc\"}", Text(PacketEncoder.Connect("/custom", "abc")));
        Assert.Equal("44/random,{\"message\":\"Invalid namespace\"}", Text(PacketEncoder.ConnectError("/random", "Invalid namespace", null)));
        Assert.Equal("44{\"message\":\"no\",\"data\":{\"code\":401}}", Text(PacketEncoder.ConnectError("/", "no", new { code = 401 })));
        Assert.Equal("41", Text(PacketEncoder.Disconnect("/")));
        Assert.Equal("41/chat,", Text(PacketEncoder.Disconnect("/chat")));
    }

    [Fact]
    public void ReceivedArgs_EmitAgainByteForByte_WithBinaryRenumbered()
    {
        var wire = "52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"x\":[1.50,{\"_placeholder\":true,\"num\":1}]}]"u8;
        Assert.True(PacketDecoder.TryDecode(wire, 10, out var packet, out _));
        packet!.Attachments.Add(new byte[] { 1 });
        packet.Attachments.Add(new byte[] { 2 });
        var args = new SocketIoArgs(packet.Data, 1, packet.Attachments);

        var again = PacketEncoder.Event("/", "message-back", args.ToEmitArgs());

        Assert.Equal("452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"x\":[1.50,{\"_placeholder\":true,\"num\":1}]}]", Text(again[0]));
        Assert.Equal(new byte[] { 1 }, again[1].Data.ToArray());
        Assert.Equal(new byte[] { 2 }, again[2].Data.ToArray());
        Assert.Equal(new byte[] { 1 }, args.GetBinary(0)!.Value.ToArray());
        Assert.Null(args.GetBinary(1));
    }

    [Fact]
    public void Args_TypedAccess()
    {
        Assert.True(PacketDecoder.TryDecode("2[\"ev\",\"room1\",{\"price\":120}]"u8, 10, out var packet, out _));
        var args = new SocketIoArgs(packet!.Data, 1, packet.Attachments);
        Assert.Equal(2, args.Count);
        Assert.Equal("room1", args.GetString(0));
        Assert.Equal(120, args.Get<Bid>(1)!.Price);
        Assert.Equal(JsonValueKind.Object, args[1].ValueKind);
    }

    private sealed record Bid(int Price);

    // The whole Engine.IO text packet: '4' (message) then the Socket.IO packet.
    private static string Text(EnginePacket packet)
    {
        Assert.False(packet.IsBinary);
        return Encoding.UTF8.GetString(packet.Data.Span);
    }
}
