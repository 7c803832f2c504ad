using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// An HTTP/1.1 WebSocket upgrade request (RFC 6455 §4.1) read straight off a connection, before Kestrel's HTTP layer
/// (<see cref="DirectWebSockets"/>). Only a complete, well-formed upgrade is recognised. Anything else, malformed or
/// merely unusual, is left to Kestrel, which answers it as it answers any request (its errors included).
/// </summary>
internal sealed class UpgradeRequest
{
    /// <summary>Kestrel's default limit for a request's header block (<c>MaxRequestHeadersTotalSize</c>).</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    // Header names are kept for the session's life; the common ones share one string.
    private static readonly string[] KnownNames =
    [
        "Host", "Connection", "Upgrade", "Origin", "Cookie", "User-Agent", "Pragma", "Cache-Control",
        "Accept-Encoding", "Accept-Language", "Authorization", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "X-Forwarded-For", "X-Forwarded-Proto",
    ];

    private static readonly string?[] LastValues = new string?[KnownNames.Length];

    private UpgradeRequest(string target, int queryStart, Dictionary<string, StringValues> headers, int length)
    {
        Target = target;
        QueryStart = queryStart;
        Headers = headers;
        Length = length;
    }

    public enum Verdict
    {
        /// <summary>Could still become a recognised upgrade: read more.</summary>
        NeedMore,

        /// <summary>Not a request served here: hand the connection, unread, to Kestrel.</summary>
        NotOurs,

        /// <summary>A complete upgrade request.</summary>
        Ours,
    }

    /// <summary>The request target, path and query: <c>/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public string Target { get; }

    /// <summary>Where the query (its '?') starts in <see cref="Target"/>.</summary>
    public int QueryStart { get; }

    public string Path => Target[..QueryStart];

    public string QueryString => Target[QueryStart..];

    public Dictionary<string, StringValues> Headers { get; }

    /// <summary>Bytes of the request, up to and including the blank line.</summary>
    public int Length { get; }

    public string WebSocketKey => Headers["Sec-WebSocket-Key"].ToString();

    /// <summary>What a request for <paramref name="path"/> with a query begins with: <c>GET /socket.io/?</c>.</summary>
    public static byte[] Prefix(string path) => Encoding.ASCII.GetBytes($"GET {path}?");

    /// <summary>
    /// Reads <paramref name="data"/>, the connection's first bytes, as a request that begins with
    /// <paramref name="prefix"/> (<see cref="Prefix"/>) and asks for a WebSocket.
    /// </summary>
    public static Verdict TryRead(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix, out UpgradeRequest? request)
    {
        request = null;
        if (data.Length < prefix.Length)
        {
            return prefix.StartsWith(data) ? Verdict.NeedMore : Verdict.NotOurs;
        }

        if (!data.StartsWith(prefix))
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

        var target = line[4..space];
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

        if (!IsUpgrade(headers))
        {
            return Verdict.NotOurs;
        }

        var targetText = Encoding.ASCII.GetString(target);
        request = new UpgradeRequest(targetText, prefix.Length - "GET ?".Length, headers, end + 4);
        return Verdict.Ours;
    }

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
        headers.ContainsKey("Host")
        && HasToken(headers, "Upgrade", "websocket")
        && HasToken(headers, "Connection", "upgrade")
        && headers.TryGetValue("Sec-WebSocket-Version", out var version) && version == "13"
        && headers.TryGetValue("Sec-WebSocket-Key", out var key) && IsWebSocketKey(key.ToString())
        && !headers.ContainsKey("Content-Length")
        && !headers.ContainsKey("Transfer-Encoding");

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
