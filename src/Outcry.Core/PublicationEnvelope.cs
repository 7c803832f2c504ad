using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// Reads the publish envelope every entry point shares (HTTP API, trusted sockets, queues):
/// <c>{room | rooms[] | user | users[] | broadcast:true, event, data?, namespace? ("/"), except?[], key?, volatile?, id?}</c>.
/// </summary>
public static class PublicationEnvelope
{
    /// <summary>The publication, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static Publication? Read(JsonElement body, out string error)
    {
        error = "";
        if (body.ValueKind != JsonValueKind.Object)
        {
            error = "the publication must be a JSON object";
            return null;
        }

        try
        {
            var publication = new Publication
            {
                Namespace = OptionalString(body, "namespace") ?? "/",
                Event = OptionalString(body, "event") ?? throw new FormatException("event is required"),
                Data = body.TryGetProperty("data", out var data) ? data.Clone() : default,
                Key = OptionalString(body, "key"),
                Id = body.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null ? Name(id, "id") : null,
                Volatile = OptionalBool(body, "volatile"),
                Target = new PublicationTarget
                {
                    Rooms = Names(body, "room", "rooms"),
                    Users = Names(body, "user", "users"),
                    Broadcast = OptionalBool(body, "broadcast"),
                    Except = Names(body, null, "except"),
                },
            };

            if (PublicationRules.Validate(publication) is { } invalid)
            {
                error = invalid;
                return null;
            }

            return publication;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static string? OptionalString(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"{name} must be a string");
    }

    private static bool OptionalBool(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new FormatException($"{name} must be true or false"),
        };

    // "room": "100" (or a number, as seed 000's itemId) and/or "rooms": ["a", "b"].
    private static string[] Names(JsonElement body, string? single, string plural)
    {
        var names = new List<string>();
        if (single is not null && body.TryGetProperty(single, out var one) && one.ValueKind != JsonValueKind.Null)
        {
            names.Add(Name(one, single));
        }

        if (body.TryGetProperty(plural, out var many) && many.ValueKind != JsonValueKind.Null)
        {
            if (many.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{plural} must be an array");
            }

            foreach (var item in many.EnumerateArray())
            {
                names.Add(Name(item, plural));
            }
        }

        return [.. names];
    }

    private static string Name(JsonElement value, string field) =>
        StringOrNumber(value) ?? throw new FormatException($"{field} must be a string or a number");

    /// <summary>
    /// A name given as a string or a number (room <c>100</c>, user <c>42</c>: ids often are numbers), as written;
    /// null for anything else.
    /// </summary>
    public static string? StringOrNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };
}
