using System.Buffers;
using System.Text;
using System.Text.Json;
using Outcry.Core;

namespace Outcry.Redis;

/// <summary>
/// A publication as Redis keeps and carries it: one JSON object. The publish script writes its first fields, the
/// time, sequence and epoch it assigns (<c>{"t":…,"s":…,"ep":"…",</c>), and appends the <see cref="Tail"/> written
/// here; the history's age trimming reads <c>"t"</c> at the very start. "o" and "i" name the node and publish call
/// the message came from, so that node can tell its caller how many of its connections it reached.
/// </summary>
internal static class PublicationCodec
{
    /// <summary>The object's fields after the script's, without the opening brace.</summary>
    public static string Tail(Publication publication, string origin, long call)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("o", origin);
            json.WriteNumber("i", call);
            json.WriteString("n", publication.Namespace);
            json.WriteString("e", publication.Event);
            if (publication.Data.ValueKind != JsonValueKind.Undefined)
            {
                json.WritePropertyName("d");
                publication.Data.WriteTo(json);
            }

            if (publication.SpreadData)
            {
                json.WriteBoolean("a", true);
            }

            if (publication.Key is { } key)
            {
                json.WriteString("k", key);
            }

            if (publication.Volatile)
            {
                json.WriteBoolean("v", true);
            }

            var target = publication.Target;
            if (target.Broadcast)
            {
                json.WriteBoolean("b", true);
            }

            WriteList(json, "r", target.Rooms);
            WriteList(json, "u", target.Users);
            WriteList(json, "x", target.Except);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan[1..]);
    }

    /// <summary>Reads a message or history entry; null when it is not one of ours.</summary>
    public static Publication? Read(ReadOnlyMemory<byte> payload, out string? origin, out long call)
    {
        origin = null;
        call = 0;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            origin = root.TryGetProperty("o", out var o) ? o.GetString() : null;
            call = root.TryGetProperty("i", out var i) ? i.GetInt64() : 0;
            StreamPosition? position = root.TryGetProperty("s", out var s) && root.TryGetProperty("ep", out var ep)
                ? new StreamPosition(ep.GetString()!, s.GetInt64())
                : null;
            return new Publication
            {
                Namespace = root.GetProperty("n").GetString()!,
                Event = root.GetProperty("e").GetString()!,
                Data = root.TryGetProperty("d", out var d) ? d.Clone() : default,
                SpreadData = root.TryGetProperty("a", out var a) && a.GetBoolean(),
                Key = root.TryGetProperty("k", out var k) ? k.GetString() : null,
                Volatile = root.TryGetProperty("v", out var v) && v.GetBoolean(),
                Position = position,
                Time = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("t").GetInt64()),
                Target = new PublicationTarget
                {
                    Broadcast = root.TryGetProperty("b", out var b) && b.GetBoolean(),
                    Rooms = ReadList(root, "r"),
                    Users = ReadList(root, "u"),
                    Except = ReadList(root, "x"),
                },
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static void WriteList(Utf8JsonWriter json, string name, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var item in items)
        {
            json.WriteStringValue(item);
        }

        json.WriteEndArray();
    }

    private static string[] ReadList(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) ? [.. list.EnumerateArray().Select(e => e.GetString()!)] : [];
}
