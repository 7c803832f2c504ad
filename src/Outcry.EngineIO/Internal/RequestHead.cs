using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// An HTTP/1.1 request's head read straight off a connection, before Kestrel's HTTP layer (<see cref="DirectEngineIo"/>):
/// a WebSocket upgrade (RFC 6455 §4.1) or a long-polling GET or POST of an Engine.IO endpoint. Only a complete,
/// well-formed request of those kinds is recognised. Anything else, malformed or merely unusual (HTTP/1.0, chunked
/// bodies, <c>Expect</c>, <c>Connection: close</c>…), is left to Kestrel, which answers it as it answers any request
/// (its errors included).
/// </summary>
internal sealed class RequestHead
{
    /// <summary>Kestrel's default limit for a request's header block (<c>MaxRequestHeadersTotalSize</c>).</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    // Header names are kept for the session's life; the common ones share one string.
    private static readonly string[] KnownNames =
    [
        "Host", "Connection", "Upgrade", "Origin", "Cookie", "User-Agent", "Pragma", "Cache-Control",
        "Accept-Encoding", "Accept-Language", "Authorization", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "X-Forwarded-For", "X-Forwarded-Proto", "Accept",
        "Content-Type", "Content-Length", "Referer",
    ];

    private static readonly string?[] LastValues = new string?[KnownNames.Length];

    private RequestHead(bool isPost, string target, int queryStart, Dictionary<string, StringValues> headers, int length, int contentLength)
    {
        IsPost = isPost;
        Target = target;
        QueryStart = queryStart;
        Headers = headers;
        Length = length;
        ContentLength = contentLength;
    }

    public enum Verdict
    {
        /// <summary>Could still become a recognised request: read more.</summary>
        NeedMore,

        /// <summary>Not a request served here: hand the connection, unread, to Kestrel.</summary>
        NotOurs,

        /// <summary>A complete request head.</summary>
        Ours,
    }

    /// <summary>A POST (a polling payload); otherwise a GET.</summary>
    public bool IsPost { get; }

    /// <summary>A WebSocket upgrade; otherwise a plain request (long-polling).</summary>
    public bool IsWebSocket => !IsPost && Headers.ContainsKey("Upgrade");

    /// <summary>The request target, path and query: <c>/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public string Target { get; }

    /// <summary>Where the query (its '?') starts in <see cref="Target"/>.</summary>
    public int QueryStart { get; }

    public string Path => Target[..QueryStart];

    public string QueryString => Target[QueryStart..];

    public Dictionary<string, StringValues> Headers { get; }

    /// <summary>Bytes of the head, up to and including the blank line.</summary>
    public int Length { get; }

    /// <summary>The body's length (0 for a GET): a body is always sized up front here.</summary>
    public int ContentLength { get; }

    public string? ContentType => Headers.TryGetValue("Content-Type", out var type) ? type.ToString() : null;

    public string WebSocketKey => Headers["Sec-WebSocket-Key"].ToString();

    /// <summary>What a request target for <paramref name="path"/> with a query begins with: <c>/socket.io/?</c>.</summary>
    public static byte[] Prefix(string path) => Encoding.ASCII.GetBytes($"{path}?");

    /// <summary>
    /// Reads <paramref name="data"/>, what has arrived of the connection's next request, as a GET or POST of a target
    /// that begins with <paramref name="prefix"/> (<see cref="Prefix"/>).
    /// </summary>
    public static Verdict TryRead(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix, out RequestHead? request)
    {
        request = null;
        var method = data.StartsWith("POST "u8) ? "POST "u8 : "GET "u8;
        var start = method.Length + prefix.Length;
        if (data.Length < start)
        {
            return CouldBegin(data, "GET "u8, prefix) || CouldBegin(data, "POST "u8, prefix) ? Verdict.NeedMore : Verdict.NotOurs;
        }

        if (!data.StartsWith(method) || !data[method.Length..].StartsWith(prefix))
        {
            return Verdict.NotOurs;
        }

        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return data.Length >= MaxHeaderBytes ? Verdict.NotOurs : Verdict.NeedMore;
        }

        var lineEnd = data.IndexOf("\r\n"u8);
        var line = data[..lineEnd];
        var space = line.LastIndexOf((byte)' ');
        if (!line[space..].SequenceEqual(" HTTP/1.1"u8))
        {
            return Verdict.NotOurs;
        }

        var target = line[method.Length..space];
        if (target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7e) >= 0)
        {
            return Verdict.NotOurs;
        }

        var headers = new Dictionary<string, StringValues>(8, StringComparer.OrdinalIgnoreCase);
        var rest = data[(lineEnd + 2)..(end + 2)];
        while (!rest.IsEmpty)
        {
            var next = rest.IndexOf("\r\n"u8);
            if (!TryAddHeader(rest[..next], headers))
            {
                return Verdict.NotOurs;
            }

            rest = rest[(next + 2)..];
        }

        var isPost = method.Length == 5;
        if (!headers.ContainsKey("Host") || headers.ContainsKey("Transfer-Encoding") || !TryContentLength(headers, out var contentLength)
            || (headers.ContainsKey("Upgrade") ? isPost || !IsUpgrade(headers) : !IsPlain(headers, isPost, contentLength)))
        {
            return Verdict.NotOurs;
        }

        var targetText = Encoding.ASCII.GetString(target);
        request = new RequestHead(isPost, targetText, prefix.Length - 1, headers, end + 4, contentLength);
        return Verdict.Ours;
    }

    // Whether data, shorter than method and prefix together, is how such a request begins.
    private static bool CouldBegin(ReadOnlySpan<byte> data, ReadOnlySpan<byte> method, ReadOnlySpan<byte> prefix) =>
        data.Length <= method.Length ? method.StartsWith(data) : data.StartsWith(method) && prefix.StartsWith(data[method.Length..]);

    /// <summary>
    /// What has arrived of a request as one span: the first segment, or a copy (at most the header limit) into
    /// <paramref name="scratch"/>, rented from the shared pool on first need; the caller returns it.
    /// </summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> buffer, ref byte[]? scratch)
    {
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan;
        }

        var length = (int)Math.Min(buffer.Length, MaxHeaderBytes);
        scratch ??= ArrayPool<byte>.Shared.Rent(MaxHeaderBytes);
        buffer.Slice(0, length).CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }

    // name ":" OWS value OWS (RFC 9110 §5); obsolete line folding, bare CR/LF and non-ASCII are left to Kestrel.
    private static bool TryAddHeader(ReadOnlySpan<byte> line, Dictionary<string, StringValues> headers)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return false;
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (value.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) >= 0)
        {
            return false;
        }

        var (name, known) = Name(line[..colon]);
        var text = Value(known, value);
        headers[name] = headers.TryGetValue(name, out var existing) ? StringValues.Concat(existing, text) : new StringValues(text);
        return true;
    }

    private static bool IsUpgrade(Dictionary<string, StringValues> headers) =>
        HasToken(headers, "Upgrade", "websocket")
        && HasToken(headers, "Connection", "upgrade")
        && headers.TryGetValue("Sec-WebSocket-Version", out var version) && version == "13"
        && headers.TryGetValue("Sec-WebSocket-Key", out var key) && IsWebSocketKey(key.ToString())
        && !headers.ContainsKey("Content-Length");

    // A keep-alive request whose body, if any, is sized up front and sent without waiting for a 100 Continue. A GET
    // has none; a POST carries a polling payload (an empty one is still a request to answer).
    private static bool IsPlain(Dictionary<string, StringValues> headers, bool isPost, int contentLength) =>
        !headers.ContainsKey("Expect")
        && !HasToken(headers, "Connection", "close")
        && (isPost ? headers.ContainsKey("Content-Length") : contentLength == 0);

    // One Content-Length of digits only (RFC 9110 §8.6), or none (0); a list or a sign is Kestrel's to judge.
    private static bool TryContentLength(Dictionary<string, StringValues> headers, out int length)
    {
        length = 0;
        if (!headers.TryGetValue("Content-Length", out var values))
        {
            return true;
        }

        var text = values.Count == 1 ? values[0]! : "";
        return text.Length is > 0 and <= 9 && text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0 && int.TryParse(text, out length);
    }

    private static bool HasToken(Dictionary<string, StringValues> headers, string name, string token)
    {
        if (!headers.TryGetValue(name, out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            foreach (var part in value!.Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // A base64-encoded 16-byte nonce (RFC 6455 §4.1, item 7).
    private static bool IsWebSocketKey(string key)
    {
        Span<byte> nonce = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, nonce, out var written) && written == 16;
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~"u8.Contains(b)))
            {
                return false;
            }
        }

        return true;
    }

    private static (string Name, int Known) Name(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < KnownNames.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(name, KnownNames[i]))
            {
                return (KnownNames[i], i);
            }
        }

        return (Encoding.ASCII.GetString(name), -1);
    }

    // Sessions keep their handshake's headers. Most values repeat from one connection to the next (Host, Origin,
    // User-Agent, Upgrade…): a value equal to the last one seen under its name shares that string.
    private static string Value(int known, ReadOnlySpan<byte> value)
    {
        if (known < 0)
        {
            return Encoding.ASCII.GetString(value);
        }

        var last = LastValues[known];
        if (last is not null && Ascii.Equals(value, last))
        {
            return last;
        }

        var text = Encoding.ASCII.GetString(value);
        LastValues[known] = text;
        return text;
    }
}
