using System.Text.Json;

namespace Outcry.Server;

/// <summary>How Outcry reads names and optional values out of the JSON that backends and clients send.</summary>
internal static class JsonValues
{
    /// <summary>The value, or null when there is none (so that it is left out of JSON written with <see cref="JsonDefaults"/>).</summary>
    public static JsonElement? OrNull(JsonElement value) => value.ValueKind == JsonValueKind.Undefined ? null : value;
}
