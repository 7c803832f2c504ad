using System.Buffers;
using System.Text;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO.Tests;

public class PollingPayloadTests
{
    [Theory]
    [InlineData(new[] { "hello" }, "4hello")]
    [InlineData(new[] { "test1", "test2", "test3" }, "4test1\u001e4test2\u001e4test3")]
    [InlineData(new[] { "é€" }, "4é€")]
    [InlineData(new[] { "" }, "4")]
    public void Encode_MessagePackets_JoinsThemWithRecordSeparator(string[] messages, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        PollingPayload.Encode([.. messages.Select(EnginePacket.Message)], output);
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Encode_ControlPackets_AreTheirTypeDigit()
    {
        var output = new ArrayBufferWriter<byte>();
        PollingPayload.Encode([EnginePacket.Ping, EnginePacket.Noop, EnginePacket.Close], output);
        Assert.Equal("2\u001e6\u001e1", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Encode_BinaryPacket_IsBFollowedByBase64()
    {
        var output = new ArrayBufferWriter<byte>();
        PollingPayload.Encode([EnginePacket.Message("hello"), EnginePacket.Binary(new byte[] { 1, 2, 3, 4 })], output);
        Assert.Equal("4hello\u001ebAQIDBA==", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Decode_TextAndBinary_GivesTypedPackets()
    {
        var packets = new List<DecodedPacket>();
        Assert.True(PollingPayload.TryDecode("4hello\u001ebAQIDBA==\u001e3\u001e1"u8, packets));
        Assert.Collection(
            packets,
            p => Assert.Equal((EnginePacketType.Message, "hello", false), (p.Type, Encoding.UTF8.GetString(p.Data.Span), p.IsBinary)),
            p =>
            {
                Assert.Equal((EnginePacketType.Message, true), (p.Type, p.IsBinary));
                Assert.Equal(new byte[] { 1, 2, 3, 4 }, p.Data.ToArray());
            },
            p => Assert.Equal(EnginePacketType.Pong, p.Type),
            p => Assert.Equal(EnginePacketType.Close, p.Type));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("4hello\u001e")]
    [InlineData("4a\u001e\u001e4b")]
    [InlineData("b!!notbase64")]
    [InlineData("7")]
    public void Decode_MalformedPayload_IsRejected(string body)
    {
        Assert.False(PollingPayload.TryDecode(Encoding.UTF8.GetBytes(body), []));
    }

    [Theory]
    [InlineData("2probe", (int)EnginePacketType.Ping, "probe")]
    [InlineData("3", (int)EnginePacketType.Pong, "")]
    [InlineData("5", (int)EnginePacketType.Upgrade, "")]
    [InlineData("40{\"token\":1}", (int)EnginePacketType.Message, "0{\"token\":1}")]
    public void ParseFrame_TextFrame_SplitsTypeAndData(string frame, int type, string data)
    {
        Assert.True(DecodedPacket.TryParseFrame(Encoding.UTF8.GetBytes(frame), false, out var packet));
        Assert.Equal((EnginePacketType)type, packet.Type);
        Assert.Equal(data, Encoding.UTF8.GetString(packet.Data.Span));
    }

    [Fact]
    public void ParseFrame_BinaryFrame_IsAMessageWithItsBytes()
    {
        Assert.True(DecodedPacket.TryParseFrame(new byte[] { 1, 2, 3 }, true, out var packet));
        Assert.Equal(EnginePacketType.Message, packet.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, packet.Data.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("9")]
    public void ParseFrame_InvalidTextFrame_IsRejected(string frame)
    {
        Assert.False(DecodedPacket.TryParseFrame(Encoding.UTF8.GetBytes(frame), false, out _));
    }

    [Fact]
    public void Message_PrefixesTypeFour()
    {
        Assert.Equal("4hello", Encoding.UTF8.GetString(EnginePacket.Message("hello").Data.Span));
        Assert.Equal("4hi", Encoding.UTF8.GetString(EnginePacket.Message("hi"u8).Data.Span));
    }
}
