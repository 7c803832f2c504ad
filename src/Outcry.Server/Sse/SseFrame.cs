using System.Buffers;
using System.Text;
using System.Text.Json;
using Outcry.Core;
using Outcry.EngineIO;

namespace Outcry.Server.Sse;

/// <summary>
/// One Server-Sent Events message, encoded once and shared by every connection it goes to:
/// <c>id: {offset}</c> (for kept publications), <c>event: {name}</c>, <c>data: {JSON on one line}</c>, blank line.
/// </summary>
internal sealed class SseFrame : ISheddable
{
    public static readonly SseFrame KeepAlive = new(": keep-alive\n\n"u8.ToArray(), 0, null, false);

    // Ends a connection's queue (shutdown): never written.
    public static readonly SseFrame End = new(Array.Empty<byte>(), 0, null, false);

    private SseFrame(byte[] bytes, long position, string? supersedeKey, bool droppable)
    {
        Bytes = bytes;
        Position = position;
        SupersedeKey = supersedeKey;
        Droppable = droppable;
    }

    public byte[] Bytes { get; }

    /// <summary>The publication's sequence (0 for anything outside the ordered stream): a connection sends each once.</summary>
    public long Position { get; }

    public string? SupersedeKey { get; }

    public bool Droppable { get; }

    /// <summary>A publication: its offset as the id, its data (<c>null</c> when it has none).</summary>
    public static SseFrame Of(Publication publication, string? supersedeKey) => Event(
        publication.Position?.ToString(), publication.Event, publication.Data, publication.Position?.Sequence ?? 0, supersedeKey, publication.Volatile);

    public static SseFrame Event(string? id, string eventName, JsonElement data, long position = 0, string? supersedeKey = null, bool droppable = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        if (id is not null)
        {
            Write(buffer, "id: " + id + "\n");
        }

        Write(buffer, "event: " + eventName + "\ndata: ");

        // Written compactly: no raw line break can end the data line early (JSON escapes them inside strings).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonDefaults.Options.Encoder }))
        {
            if (data.ValueKind == JsonValueKind.Undefined)
            {
                json.WriteNullValue();
            }
            else
            {
                data.WriteTo(json);
            }
        }

        Write(buffer, "\n\n");
        return new SseFrame(buffer.WrittenSpan.ToArray(), position, supersedeKey, droppable);
    }

    /// <summary>How long EventSource waits before it reconnects.</summary>
    public static SseFrame Retry(TimeSpan delay) => new(Encoding.UTF8.GetBytes($"retry: {(long)delay.TotalMilliseconds}\n\n"), 0, null, false);

    private static void Write(ArrayBufferWriter<byte> buffer, string text) => Encoding.UTF8.GetBytes(text, buffer);
}
