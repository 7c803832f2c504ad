using System.Text.Json;

namespace Outcry.Server.Api;

/// <summary>API request bodies as JSON.</summary>
internal static class RequestBody
{
    /// <summary>The body as JSON, or null with <paramref name="error"/> set.</summary>
    public static JsonElement? ParseJson(byte[] body, out string error)
    {
        error = "";
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return null;
        }
    }
}
