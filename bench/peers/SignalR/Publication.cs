using System.Globalization;
using System.Text.Json;

namespace SignalRPeer;

/// <summary>One publish request. <see cref="Room"/> is null for a broadcast to everyone.</summary>
internal readonly record struct Publication(string? Room, string Channel, JsonElement Message)
{
    // /pub body:      {"itemId": "5" | 5, "channel": "m", "message": <any JSON>}
    // /pub/all body:  {"channel": "m", "message": <any JSON>}
    public static bool TryParse(JsonElement body, bool withRoom, out Publication publication, out string error)
    {
        publication = default;
        if (body.ValueKind != JsonValueKind.Object)
        {
            error = "body must be a JSON object";
            return false;
        }

        if (!body.TryGetProperty("channel", out JsonElement channel)
            || channel.ValueKind != JsonValueKind.String
            || channel.GetString() is not { Length: > 0 } channelName)
        {
            error = "\"channel\" must be a non-empty string";
            return false;
        }

        if (!body.TryGetProperty("message", out JsonElement message))
        {
            error = "\"message\" is required";
            return false;
        }

        string? room = null;
        if (withRoom)
        {
            if (!body.TryGetProperty("itemId", out JsonElement itemId) || !TryFormatRoom(itemId, out room))
            {
                error = "\"itemId\" must be a string or a number";
                return false;
            }
        }

        publication = new Publication(room, channelName, message);
        error = "";
        return true;
    }

    // String(itemId) as the socket.io peer computes it, for the values a benchmark sends: strings and integers.
    private static bool TryFormatRoom(JsonElement itemId, out string? room)
    {
        switch (itemId.ValueKind)
        {
            case JsonValueKind.String:
                room = itemId.GetString();
                return true;
            case JsonValueKind.Number:
                room = itemId.TryGetInt64(out long integer)
                    ? integer.ToString(CultureInfo.InvariantCulture)
                    : itemId.GetDouble().ToString("R", CultureInfo.InvariantCulture);
                return true;
            default:
                room = null;
                return false;
        }
    }
}
