using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Outcry.SocketIO.Internal;

/// <summary>
/// Writes C# values as a Socket.IO JSON payload, replacing every binary value (byte[], Memory&lt;byte&gt;…)
/// by a placeholder <c>{"_placeholder":true,"num":N}</c> and collecting it as attachment N.
/// </summary>
internal static class PayloadWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        // JSON.stringify does not escape non-ASCII or HTML characters; neither do we.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteValue(Utf8JsonWriter writer, object? value, List<ReadOnlyMemory<byte>> attachments)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int n:
                writer.WriteNumberValue(n);
                break;
            case long n:
                writer.WriteNumberValue(n);
                break;
            case double n:
                writer.WriteNumberValue(n);
                break;
            case byte[] bytes:
                WritePlaceholder(writer, bytes, attachments);
                break;
            case ReadOnlyMemory<byte> bytes:
                WritePlaceholder(writer, bytes, attachments);
                break;
            case Memory<byte> bytes:
                WritePlaceholder(writer, bytes, attachments);
                break;
            case ArraySegment<byte> bytes:
                WritePlaceholder(writer, bytes, attachments);
                break;
            case SocketIoValue received:
                WriteReceived(writer, received.Element, received.Attachments, attachments);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case JsonNode node:
                node.WriteTo(writer, JsonOptions);
                break;
            case IDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item, attachments);
                }

                writer.WriteEndObject();
                break;
            case IList list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(writer, item, attachments);
                }

                writer.WriteEndArray();
                break;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType(), JsonOptions);
                break;
        }
    }

    private static void WritePlaceholder(Utf8JsonWriter writer, ReadOnlyMemory<byte> bytes, List<ReadOnlyMemory<byte>> attachments)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("_placeholder", true);
        writer.WriteNumber("num", attachments.Count);
        writer.WriteEndObject();
        attachments.Add(bytes);
    }

    // A received value keeps its binary parts: each placeholder is renumbered into this packet's attachments.
    private static void WriteReceived(Utf8JsonWriter writer, JsonElement element, IReadOnlyList<ReadOnlyMemory<byte>> source, List<ReadOnlyMemory<byte>> attachments)
    {
        if (source.Count == 0)
        {
            element.WriteTo(writer);
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (SocketIoArgs.ResolveBinary(element, source) is { } bytes)
                {
                    WritePlaceholder(writer, bytes, attachments);
                    return;
                }

                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteReceived(writer, property.Value, source, attachments);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteReceived(writer, item, source, attachments);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
