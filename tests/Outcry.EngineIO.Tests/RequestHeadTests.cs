using System.Text;
using Outcry.EngineIO.Internal;
using Verdict = Outcry.EngineIO.Internal.RequestHead.Verdict;

namespace Outcry.EngineIO.Tests;

public class RequestHeadTests
{
    private static readonly byte[] Prefix = RequestHead.Prefix("/socket.io/");
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Upgrade(string target = "/socket.io/?EIO=4&transport=websocket", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n";

    private static Verdict Read(string text, out RequestHead? request) =>
        RequestHead.TryRead(Encoding.Latin1.GetBytes(text), Prefix, out request);

    [Fact]
    public void ACleanUpgrade_IsOurs_WithTargetHeadersAndLength()
    {
        var text = Upgrade(extra: "Origin: https://shop.example\r\nCookie: a=1\r\n");
        Assert.Equal(Verdict.Ours, Read(text + "\x81\x85trailing frame", out var request));
        Assert.Equal("/socket.io/?EIO=4&transport=websocket", request!.Target);
        Assert.Equal("/socket.io/", request.Path);
        Assert.Equal("?EIO=4&transport=websocket", request.QueryString);
        Assert.Equal(Key, request.WebSocketKey);
        Assert.Equal("https://shop.example", request.Headers["origin"]);
        Assert.Equal("a=1", request.Headers["Cookie"]);
        Assert.Equal(text.Length, request.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("PO")]
    [InlineData("GET /soc")]
    [InlineData("POST /socket.io/?EIO=4")]
    [InlineData("GET /socket.io/?EIO=4")]
    [InlineData("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n")]
    public void ABeginningOfOne_NeedsMore(string text) => Assert.Equal(Verdict.NeedMore, Read(text, out _));

    [Theory]
    [InlineData("PUT /socket.io/?EIO=4")]
    [InlineData("POST /healthz HTTP/1.1\r\n")]
    [InlineData("GET /healthz HTTP/1.1\r\n")]
    [InlineData("GET /socket.io/socket.io.js HTTP/1.1\r\n")]
    [InlineData("GET /socket.iox/?EIO=4")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    public void AnotherRequest_IsNotOurs_AtOnce(string text) => Assert.Equal(Verdict.NotOurs, Read(text, out _));

    [Theory]
    [InlineData("Upgrade: websocket\r\n", "Upgrade: h2c\r\n")]
    [InlineData("Connection: Upgrade\r\n", "Connection: keep-alive\r\n")]
    [InlineData("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n")]
    [InlineData($"Sec-WebSocket-Key: {Key}\r\n", "Sec-WebSocket-Key: short\r\n")]
    [InlineData("Host: example.com\r\n", "")]
    [InlineData("Host: example.com\r\n", "Host : example.com\r\n")]
    [InlineData("Host: example.com\r\n", "Host: example.com\r\n folded\r\n")]
    [InlineData("Host: example.com\r\n", "Host: ex\u00e4mple.com\r\n")]
    [InlineData("Host: example.com\r\n", "Host: example.com\r\nContent-Length: 3\r\n")]
    [InlineData("Host: example.com\r\n", "Host: example.com\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData(" HTTP/1.1\r\n", " HTTP/1.0\r\n")]
    [InlineData("GET ", "POST ")]
    public void AnUpgradeThatIsNotClean_IsLeftToKestrel(string part, string replacement)
    {
        var text = Upgrade();
        Assert.Contains(part, text, StringComparison.Ordinal);
        Assert.Equal(Verdict.NotOurs, Read(text.Replace(part, replacement, StringComparison.Ordinal), out var request));
        Assert.Null(request);
    }

    [Fact]
    public void TokensAndNames_AreCaseInsensitive_AndRepeatedHeadersAreKeptTogether()
    {
        var text = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nhost: h\r\nUPGRADE: WebSocket\r\n"
            + $"connection: keep-alive, Upgrade\r\nsec-websocket-key: {Key}\r\nsec-websocket-version: 13\r\n"
            + "X-Trace: one\r\nx-trace: two\r\n\r\n";
        Assert.Equal(Verdict.Ours, Read(text, out var request));
        Assert.Equal("one,two", request!.Headers["X-Trace"].ToString());
        Assert.True(request.Headers.ContainsKey("Sec-WebSocket-Key"));
    }

    [Fact]
    public void AHeaderBlockPastTheLimit_IsLeftToKestrel()
    {
        var text = Upgrade().Replace("\r\n\r\n", "\r\n", StringComparison.Ordinal) + "X-Big: " + new string('a', RequestHead.MaxHeaderBytes);
        Assert.Equal(Verdict.NotOurs, Read(text, out _));
    }

    private static string Poll(string method = "GET", string target = "/socket.io/?EIO=4&transport=polling&sid=abc", string extra = "") =>
        $"{method} {target} HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n{extra}\r\n";

    [Fact]
    public void ACleanPollingGet_IsOurs_AndNotAWebSocket()
    {
        var text = Poll(extra: "Origin: https://shop.example\r\n");
        Assert.Equal(Verdict.Ours, Read(text + "GET /next", out var request));
        Assert.False(request!.IsWebSocket);
        Assert.False(request.IsPost);
        Assert.Equal(0, request.ContentLength);
        Assert.Equal("?EIO=4&transport=polling&sid=abc", request.QueryString);
        Assert.Equal(text.Length, request.Length);
    }

    [Fact]
    public void ACleanPollingPost_IsOurs_WithItsBodyLengthButNotItsBody()
    {
        var text = Poll("POST", extra: "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 12\r\n");
        Assert.Equal(Verdict.Ours, Read(text + "4hello\u001e4you", out var request));
        Assert.True(request!.IsPost);
        Assert.False(request.IsWebSocket);
        Assert.Equal(12, request.ContentLength);
        Assert.Equal("text/plain;charset=UTF-8", request.ContentType);
        Assert.Equal(text.Length, request.Length);
    }

    [Fact]
    public void AGetWithoutUpgrade_IsAPlainRequest_EvenWithWebSocketHeaders()
    {
        // The endpoint then finds transport=websocket without an upgrade, and leaves it to the HTTP layer's error.
        Assert.Equal(Verdict.Ours, Read(Upgrade().Replace("Upgrade: websocket\r\n", "", StringComparison.Ordinal), out var request));
        Assert.False(request!.IsWebSocket);
    }

    [Theory]
    [InlineData("POST", "")]
    [InlineData("POST", "Transfer-Encoding: chunked\r\n")]
    [InlineData("POST", "Content-Length: 5\r\nExpect: 100-continue\r\n")]
    [InlineData("POST", "Content-Length: +5\r\n")]
    [InlineData("POST", "Content-Length: 5, 5\r\n")]
    [InlineData("POST", "Content-Length: 5\r\nContent-Length: 5\r\n")]
    [InlineData("POST", "Content-Length: 99999999999\r\n")]
    [InlineData("POST", "Content-Length: 5\r\nUpgrade: websocket\r\n")]
    [InlineData("GET", "Content-Length: 5\r\n")]
    [InlineData("GET", "Connection: close\r\n")]
    public void APollingRequestThatIsNotClean_IsLeftToKestrel(string method, string extra) =>
        Assert.Equal(Verdict.NotOurs, Read(Poll(method, extra: extra), out _));
}
