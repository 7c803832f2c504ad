using System.Text;
using Outcry.Redis.Emitter;

namespace Outcry.Redis.Tests;

/// <summary>The socket.io emitter's MessagePack broadcasts, byte for byte as notepack.io writes them.</summary>
public class EmitterMessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // MessagePack by hand: enough for the emitter's messages.
    private static byte[] Pack(params object?[] value) => Pack((object?)value);

    private static byte[] Pack(object? value)
    {
        var bytes = new List<byte>();
        Write(value);
        return [.. bytes];

        void Write(object? v)
        {
            switch (v)
            {
                case null:
                    bytes.Add(0xc0);
                    break;
                case bool b:
                    bytes.Add(b ? (byte)0xc3 : (byte)0xc2);
                    break;
                case int i when i is >= 0 and < 128:
                    bytes.Add((byte)i);
                    break;
                case int i:
                    bytes.Add(0xd2);
                    bytes.AddRange(BitConverter.GetBytes(i).Reverse());
                    break;
                case string s:
                    var utf8 = Encoding.UTF8.GetBytes(s);
                    bytes.Add((byte)(0xa0 | utf8.Length));
                    bytes.AddRange(utf8);
                    break;
                case byte[] raw:
                    bytes.AddRange(raw); // already encoded
                    break;
                case IDictionary<string, object?> map:
                    bytes.Add((byte)(0x80 | map.Count));
                    foreach (var (k, item) in map)
                    {
                        Write(k);
                        Write(item);
                    }

                    break;
                case System.Collections.IEnumerable list:
                    var items = list.Cast<object?>().ToList();
                    bytes.Add((byte)(0x90 | items.Count));
                    items.ForEach(Write);
                    break;
                default:
                    throw new ArgumentException(v.GetType().Name);
            }
        }
    }

    private static Dictionary<string, object?> Map(params (string, object?)[] entries) => entries.ToDictionary(e => e.Item1, e => e.Item2);

    private static byte[] Broadcast(object?[] data, string nsp = "/", string[]? rooms = null, string[]? except = null, Dictionary<string, object?>? flags = null) =>
        Pack("emitter", Map(("type", 2), ("data", data), ("nsp", nsp)), Map(("rooms", rooms ?? []), ("flags", flags ?? Map()), ("except", except ?? [])));

    [Fact]
    public void ToARoom_IsAPublicationToThatRoom()
    {
        // io.to("room1").emit("hello", "world"), the bytes of the wire specification
        byte[] wire = [0x93, 0xa7, .. "emitter"u8, 0x83, 0xa4, .. "type"u8, 0x02, 0xa4, .. "data"u8, 0x92, 0xa5, .. "hello"u8, 0xa5, .. "world"u8,
            0xa3, .. "nsp"u8, 0xa1, .. "/"u8, 0x83, 0xa5, .. "rooms"u8, 0x91, 0xa5, .. "room1"u8, 0xa5, .. "flags"u8, 0x80, 0xa6, .. "except"u8, 0x90];
        var publication = EmitterListener.ReadBroadcast(wire, Now, out var error);

        Assert.Null(error);
        Assert.NotNull(publication);
        Assert.Equal(("/", "hello", "world"), (publication.Namespace, publication.Event, publication.Data.GetString()));
        Assert.Equal(["room1"], publication.Target.Rooms);
        Assert.False(publication.Target.Broadcast);
        Assert.False(publication.SpreadData || publication.Volatile);
        Assert.Null(publication.Position);
    }

    [Fact]
    public void ToEveryone_InANamespace_WithSeveralArguments_AndExceptions()
    {
        var publication = EmitterListener.ReadBroadcast(
            Broadcast(["auction", Map(("price", 120), ("leader", "ann")), 7, null], nsp: "/admin", except: ["banned"], flags: Map(("volatile", true))), Now, out _);

        Assert.NotNull(publication);
        Assert.Equal(("/admin", "auction"), (publication.Namespace, publication.Event));
        Assert.True(publication.Target.Broadcast);
        Assert.Equal(["banned"], publication.Target.Except);
        Assert.True(publication.Volatile);
        Assert.True(publication.SpreadData);
        Assert.Equal("""[{"price":120,"leader":"ann"},7,null]""", publication.Data.GetRawText());
    }

    [Fact]
    public void Dates_BecomeIsoStrings_AsDateToJsonWritesThem()
    {
        byte[] timestamp32 = [0xd6, 0xff, 0x39, 0x45, 0x79, 0x80]; // new Date("2000-06-13T00:00:00.000Z"), notepack 3.x
        byte[] notepack2 = [0xd7, 0x00, .. BitConverter.GetBytes(960854400123L).Reverse()]; // 2.x: int64 milliseconds
        var publication = EmitterListener.ReadBroadcast(Broadcast(["at", timestamp32, notepack2]), Now, out _);

        Assert.Equal("""["2000-06-13T00:00:00.000Z","2000-06-13T00:00:00.123Z"]""", publication!.Data.GetRawText());
    }

    [Theory]
    [InlineData(new byte[] { 0x93, 0xa1, 0x78 }, "truncated")]
    [InlineData(new byte[] { 0x91, 0xc4, 0x01, 0x00 }, "binary data is not supported (Outcry publishes JSON)")]
    [InlineData(new byte[] { 0x81, 0x01, 0x02 }, "a map key that is not a string")]
    [InlineData(new byte[] { 0xc1 }, "unknown MessagePack type 0xc1")]
    [InlineData(new byte[] { 0xc0, 0xc0 }, "bytes after the value")]
    [InlineData(new byte[] { 0x93, 0xa1, 0x78, 0x80, 0x80 }, "not [uid, {type, data: [event, ...], nsp}, opts]")]
    public void AnythingElse_IsRefused_WithTheReason(byte[] message, string why)
    {
        Assert.Null(EmitterListener.ReadBroadcast(message, Now, out var error));
        Assert.Equal(why, error);
    }

    [Fact]
    public void A_NonEventPacket_IsRefused()
    {
        var ack = Pack("emitter", Map(("type", 3), ("data", new object?[] { "x" }), ("nsp", "/")), Map());
        Assert.Null(EmitterListener.ReadBroadcast(ack, Now, out var error));
        Assert.Equal("packet type 3 is not an event", error);
    }

    [Fact]
    public void DeepNesting_IsRefused_NotAStackOverflow()
    {
        var deep = Enumerable.Repeat((byte)0x91, 10_000).Append((byte)0xc0).ToArray();
        Assert.Null(EmitterListener.ReadBroadcast(deep, Now, out var error));
        Assert.Equal("nested too deeply", error);
    }
}
