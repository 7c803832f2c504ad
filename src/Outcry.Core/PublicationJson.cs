using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// A publication's own fields as one JSON object's short properties, the form every stored copy takes: the Redis
/// engine's messages and history entries (which add fields of their own around them) and the in-memory history's
/// entries. n namespace, e event, d data, a spread data, k key, v volatile, b broadcast, r rooms, u users, x except.
/// Position and time are the store's, not written here.
/// </summary>
public static class PublicationJson
{
    /// <summary>Writes the fields into the object <paramref name="json"/> is in.</summary>
    public static void WriteFields(Utf8JsonWriter json, Publication publication)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(publication);
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
    }

    /// <summary>
    /// The publication whose fields <paramref name="root"/> holds. Throws <see cref="KeyNotFoundException"/> or
    /// <see cref="InvalidOperationException"/> when it holds no publication.
    /// </summary>
    public static Publication ReadFields(JsonElement root, StreamPosition? position, DateTimeOffset time) => new()
    {
        Namespace = root.GetProperty("n").GetString()!,
        Event = root.GetProperty("e").GetString()!,
        Data = root.TryGetProperty("d", out var d) ? d.Clone() : default,
        SpreadData = root.TryGetProperty("a", out var a) && a.GetBoolean(),
        Key = root.TryGetProperty("k", out var k) ? k.GetString() : null,
        Volatile = root.TryGetProperty("v", out var v) && v.GetBoolean(),
        Position = position,
        Time = time,
        Target = new PublicationTarget
        {
            Broadcast = root.TryGetProperty("b", out var b) && b.GetBoolean(),
            Rooms = ReadList(root, "r"),
            Users = ReadList(root, "u"),
            Except = ReadList(root, "x"),
        },
    };

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
