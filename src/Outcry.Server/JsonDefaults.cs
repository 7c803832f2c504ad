using System.Text.Encodings.Web;
using System.Text.Json;

namespace Outcry.Server;

internal static class JsonDefaults
{
    /// <summary>camelCase, and no escaping of non-ASCII: what JavaScript backends and clients write.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
