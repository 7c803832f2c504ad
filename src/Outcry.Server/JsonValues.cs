using System.Text.Json;

namespace Outcry.Server;

/// <summary>How Outcry reads names and optional values out of the JSON that backends and clients send.</summary>
internal static class JsonValues
{
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

    /// <summary>The value, or null when there is none (so that it is left out of JSON written with <see cref="JsonDefaults"/>).</summary>
    public static JsonElement? OrNull(JsonElement value) => value.ValueKind == JsonValueKind.Undefined ? null : value;
}
