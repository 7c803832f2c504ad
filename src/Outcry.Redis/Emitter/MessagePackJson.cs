using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Outcry.Redis.Emitter;

/// <summary>
/// Reads one MessagePack value (as notepack.io, the socket.io emitter's codec, writes it) into JSON. Maps and arrays,
/// strings, numbers, booleans and nil map one to one; notepack's dates (timestamp extension -1, and 2.x's
/// <c>d7 00</c>) become ISO 8601 strings as <c>Date.toJSON</c> writes them; 2.x's <c>undefined</c> becomes null. Binary
/// values are refused: Outcry's publications are JSON.
/// </summary>
internal static class MessagePackJson
{
    private const int MaxDepth = 64;

    /// <summary>Converts <paramref name="data"/>, which must hold exactly one value; false (and why) when it cannot.</summary>
    public static bool TryConvert(ReadOnlySpan<byte> data, Utf8JsonWriter json, out string? error)
    {
        try
        {
            var rest = Write(data, json, 0);
            error = rest == data.Length ? null : "bytes after the value";
        }
        catch (FormatException e)
        {
            error = e.Message;
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            error = "truncated";
        }
        catch (OverflowException)
        {
            error = "a length beyond 2 GB";
        }

        return error is null;
    }

    // Writes the value at the start of `data`; returns its length.
    private static int Write(ReadOnlySpan<byte> data, Utf8JsonWriter json, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException("nested too deeply");
        }

        var b = data[0];
        switch (b)
        {
            case <= 0x7f:
                json.WriteNumberValue(b);
                return 1;
            case >= 0xe0:
                json.WriteNumberValue((sbyte)b);
                return 1;
            case >= 0x80 and <= 0x8f:
                return Map(data, 1, b & 0x0f, json, depth);
            case >= 0x90 and <= 0x9f:
                return Array(data, 1, b & 0x0f, json, depth);
            case >= 0xa0 and <= 0xbf:
                return Str(data, 1, b & 0x1f, json);
        }

        switch (b)
        {
            case 0xc0:
                json.WriteNullValue();
                return 1;
            case 0xc2 or 0xc3:
                json.WriteBooleanValue(b == 0xc3);
                return 1;
            case 0xc4 or 0xc5 or 0xc6:
                throw new FormatException("binary data is not supported (Outcry publishes JSON)");
            case 0xca:
                json.WriteNumberValue(BinaryPrimitives.ReadSingleBigEndian(data[1..]));
                return 5;
            case 0xcb:
                json.WriteNumberValue(BinaryPrimitives.ReadDoubleBigEndian(data[1..]));
                return 9;
            case 0xcc:
                json.WriteNumberValue(data[1]);
                return 2;
            case 0xcd:
                json.WriteNumberValue(BinaryPrimitives.ReadUInt16BigEndian(data[1..]));
                return 3;
            case 0xce:
                json.WriteNumberValue(BinaryPrimitives.ReadUInt32BigEndian(data[1..]));
                return 5;
            case 0xcf:
                json.WriteNumberValue(BinaryPrimitives.ReadUInt64BigEndian(data[1..]));
                return 9;
            case 0xd0:
                json.WriteNumberValue((sbyte)data[1]);
                return 2;
            case 0xd1:
                json.WriteNumberValue(BinaryPrimitives.ReadInt16BigEndian(data[1..]));
                return 3;
            case 0xd2:
                json.WriteNumberValue(BinaryPrimitives.ReadInt32BigEndian(data[1..]));
                return 5;
            case 0xd3:
                json.WriteNumberValue(BinaryPrimitives.ReadInt64BigEndian(data[1..]));
                return 9;
            case 0xd9:
                return Str(data, 2, data[1], json);
            case 0xda:
                return Str(data, 3, BinaryPrimitives.ReadUInt16BigEndian(data[1..]), json);
            case 0xdb:
                return Str(data, 5, checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[1..])), json);
            case 0xdc:
                return Array(data, 3, BinaryPrimitives.ReadUInt16BigEndian(data[1..]), json, depth);
            case 0xdd:
                return Array(data, 5, checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[1..])), json, depth);
            case 0xde:
                return Map(data, 3, BinaryPrimitives.ReadUInt16BigEndian(data[1..]), json, depth);
            case 0xdf:
                return Map(data, 5, checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[1..])), json, depth);
            case 0xd4 or 0xd5 or 0xd6 or 0xd7 or 0xd8:
                return Ext(data, 2, 1 << (b - 0xd4), (sbyte)data[1], json);
            case 0xc7:
                return Ext(data, 3, data[1], (sbyte)data[2], json);
            case 0xc8:
                return Ext(data, 4, BinaryPrimitives.ReadUInt16BigEndian(data[1..]), (sbyte)data[3], json);
            case 0xc9:
                return Ext(data, 6, checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[1..])), (sbyte)data[5], json);
            default:
                throw new FormatException($"unknown MessagePack type 0x{b:x2}");
        }
    }

    private static int Str(ReadOnlySpan<byte> data, int header, int length, Utf8JsonWriter json)
    {
        json.WriteStringValue(Encoding.UTF8.GetString(data.Slice(header, length)));
        return header + length;
    }

    private static int Array(ReadOnlySpan<byte> data, int header, int count, Utf8JsonWriter json, int depth)
    {
        json.WriteStartArray();
        var at = header;
        for (var i = 0; i < count; i++)
        {
            at += Write(data[at..], json, depth + 1);
        }

        json.WriteEndArray();
        return at;
    }

    private static int Map(ReadOnlySpan<byte> data, int header, int count, Utf8JsonWriter json, int depth)
    {
        json.WriteStartObject();
        var at = header;
        for (var i = 0; i < count; i++)
        {
            at += Key(data[at..], json);
            at += Write(data[at..], json, depth + 1);
        }

        json.WriteEndObject();
        return at;
    }

    // JSON keys are strings; notepack writes object keys as strings (a number key would come from a JS Map).
    private static int Key(ReadOnlySpan<byte> data, Utf8JsonWriter json)
    {
        var b = data[0];
        var (header, length) = b switch
        {
            >= 0xa0 and <= 0xbf => (1, b & 0x1f),
            0xd9 => (2, data[1]),
            0xda => (3, (int)BinaryPrimitives.ReadUInt16BigEndian(data[1..])),
            0xdb => (5, checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[1..]))),
            _ => throw new FormatException("a map key that is not a string"),
        };
        json.WritePropertyName(Encoding.UTF8.GetString(data.Slice(header, length)));
        return header + length;
    }

    // Timestamps (type -1, as notepack 3.x writes dates), notepack 2.x's date (type 0, 8 bytes: milliseconds as an
    // int64) and undefined (type 0, 1 byte).
    private static int Ext(ReadOnlySpan<byte> data, int header, int length, sbyte type, Utf8JsonWriter json)
    {
        var body = data.Slice(header, length);
        switch (type, length)
        {
            case (-1, 4):
                json.WriteStringValue(Iso(DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(body))));
                break;
            case (-1, 8):
                var packed = BinaryPrimitives.ReadUInt64BigEndian(body);
                var nanoseconds = (long)(packed >> 34);
                var seconds = (long)(packed & 0x3_ffff_ffff);
                json.WriteStringValue(Iso(DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100)));
                break;
            case (-1, 12):
                var ns = BinaryPrimitives.ReadUInt32BigEndian(body);
                var s = BinaryPrimitives.ReadInt64BigEndian(body[4..]);
                json.WriteStringValue(Iso(DateTimeOffset.FromUnixTimeSeconds(s).AddTicks(ns / 100)));
                break;
            case (0, 8):
                json.WriteStringValue(Iso(DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(body))));
                break;
            case (0, 1):
                json.WriteNullValue();
                break;
            default:
                throw new FormatException($"MessagePack extension {type} ({length} bytes) is not supported");
        }

        return header + length;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
