namespace Outcry.Server;

/// <summary>The push service's settings, section "Outcry" (Engine.IO and Socket.IO have their own sub-sections).</summary>
public sealed class OutcryOptions
{
    /// <summary>
    /// The key backends present to the HTTP API (<c>X-Api-Key</c> or <c>Authorization: Bearer</c>) and trusted sockets
    /// (<c>auth: {apiKey}</c>). Unset: only loopback callers are served, and a warning is logged at start.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Namespaces clients may connect to; a name with <c>*</c> or <c>?</c> is a pattern.</summary>
    public List<string> Namespaces { get; set; } = ["/"];

    public RoomOptions Rooms { get; set; } = new();

    public ApiOptions Api { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public ProxyOptions Proxy { get; set; } = new();

    public RecoveryOptions Recovery { get; set; } = new();

    public PresenceOptions Presence { get; set; } = new();

    public SseOptions Sse { get; set; } = new();
}

public sealed class SseOptions
{
    /// <summary>Serve Server-Sent Events at <see cref="Path"/>.</summary>
    public bool Enabled { get; set; } = true;

    public string Path { get; set; } = "/sse";

    /// <summary>A comment line is sent after this long without any event, so proxies keep the stream open.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long EventSource waits before reconnecting (its <c>retry:</c>).</summary>
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class PresenceOptions
{
    /// <summary>
    /// Rooms (names or patterns) whose members get a <c>presence</c> event each time a connection joins or leaves.
    /// Each event goes to every member, so keep this to rooms of modest size. Empty: no events.
    /// </summary>
    public List<string> Events { get; set; } = [];
}

public sealed class RecoveryOptions
{
    /// <summary>Socket.IO connection state recovery (pid and offsets); off, a reconnecting client always starts afresh.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a connection that lost its link can come back as itself. Keep history longer than this.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(2);
}

public sealed class RoomOptions
{
    /// <summary>Handshake query parameters whose values are public rooms to join (seed 000: <c>?itemId=100</c>).</summary>
    public List<string> QueryParameters { get; set; } = ["room", "itemId"];

    /// <summary>Patterns of private rooms, besides <c>user:*</c> which always is.</summary>
    public List<string> Private { get; set; } = [];

    /// <summary>Rooms a client may be in by its own subscribe requests (its own id room included).</summary>
    public int MaxPerConnection { get; set; } = 128;

    /// <summary>The values of the <see cref="QueryParameters"/> in a request's query: the rooms it asks for.</summary>
    public IEnumerable<string?> FromQuery(IReadOnlyDictionary<string, Microsoft.Extensions.Primitives.StringValues> query) =>
        QueryParameters.SelectMany(parameter => query.TryGetValue(parameter, out var values) ? values.AsEnumerable() : []);
}

public sealed class ApiOptions
{
    /// <summary>Largest request body the HTTP API reads; more is answered 413.</summary>
    public int MaxBodyBytes { get; set; } = 1_000_000;

    /// <summary>Most publications one batch request may carry.</summary>
    public int MaxBatch { get; set; } = 1000;
}

public sealed class AuthOptions
{
    /// <summary>Refuse connections that prove no user identity (a token or the connect proxy).</summary>
    public bool Required { get; set; }

    /// <summary>HS256/384/512 shared secret, at least 32 bytes.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>RS256/ES256 (and the other RSA/ECDSA algorithms) public key, PEM, or a path to a PEM file.</summary>
    public string? JwtPublicKey { get; set; }

    /// <summary>When set, the token's <c>iss</c> must equal it.</summary>
    public string? JwtIssuer { get; set; }

    /// <summary>When set, the token's <c>aud</c> must contain it.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>Tolerance for clocks that disagree, applied to <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class ProxyOptions
{
    /// <summary>Asked who a connecting client is (seed 003: the site checks the client's cookies).</summary>
    public ProxyEndpoint Connect { get; set; } = new();

    /// <summary>Asked whether a user may join a private room the identity does not grant.</summary>
    public ProxyEndpoint Subscribe { get; set; } = new();

    /// <summary>Receives client events sent with an ack; its answer becomes the ack (seed 001's "postprice").</summary>
    public ProxyEndpoint Rpc { get; set; } = new();

    /// <summary>Request headers of the client's handshake passed on to the backend, as headers of the proxy request.</summary>
    public List<string> Headers { get; set; } = ["Cookie", "Authorization", "User-Agent", "Accept-Language"];
}

public sealed class ProxyEndpoint
{
    /// <summary>The backend URL to POST to; unset disables this proxy.</summary>
    public string? Url { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>RPC only: event names (or patterns) forwarded; the others are ignored.</summary>
    public List<string> Events { get; set; } = ["*"];

    /// <summary>RPC only: requests one connection may have in flight; more are answered with a "busy" error.</summary>
    public int MaxInFlightPerConnection { get; set; } = 16;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}
