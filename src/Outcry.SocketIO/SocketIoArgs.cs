using System.Collections;
using System.Text.Json;

namespace Outcry.SocketIO;

/// <summary>
/// The arguments of an event or ack as they came off the wire: JSON values, with binary attachments
/// reachable through their placeholders (<c>{"_placeholder":true,"num":0}</c>).
/// </summary>
public sealed class SocketIoArgs : IReadOnlyList<JsonElement>
{
    private readonly JsonElement _array;
    private readonly int _skip;

    internal SocketIoArgs(JsonElement array, int skip, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        _array = array;
        _skip = skip;
        Attachments = attachments;
    }

    public static SocketIoArgs Empty { get; } = new(default, 0, []);

    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments { get; }

    public int Count => _array.ValueKind == JsonValueKind.Array ? _array.GetArrayLength() - _skip : 0;

    public JsonElement this[int index] => _array[index + _skip];

    /// <summary>The bytes of argument <paramref name="index"/> when it is a binary placeholder, else null.</summary>
    public ReadOnlyMemory<byte>? GetBinary(int index) => ResolveBinary(this[index], Attachments);

    public string? GetString(int index) => this[index].ValueKind == JsonValueKind.String ? this[index].GetString() : null;

    public T? Get<T>(int index) => this[index].Deserialize<T>(Internal.PayloadWriter.JsonOptions);

    /// <summary>The arguments ready to emit again unchanged, binary attachments included.</summary>
    public object?[] ToEmitArgs()
    {
        var result = new object?[Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new SocketIoValue(this[i], Attachments);
        }

        return result;
    }

    public IEnumerator<JsonElement> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => _array.ValueKind == JsonValueKind.Array ? _array.GetRawText() : "[]";

    internal static ReadOnlyMemory<byte>? ResolveBinary(JsonElement element, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("_placeholder", out var flag) && flag.ValueKind == JsonValueKind.True
            && element.TryGetProperty("num", out var num) && num.TryGetInt32(out var n)
            && n >= 0 && n < attachments.Count)
        {
            return attachments[n];
        }

        return null;
    }
}

/// <summary>A received JSON value together with the attachments its placeholders point to; emits as it came.</summary>
public readonly record struct SocketIoValue(JsonElement Element, IReadOnlyList<ReadOnlyMemory<byte>> Attachments);
