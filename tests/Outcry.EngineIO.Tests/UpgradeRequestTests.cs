using System.Text;
using Outcry.EngineIO.Internal;
using Verdict = Outcry.EngineIO.Internal.UpgradeRequest.Verdict;

namespace Outcry.EngineIO.Tests;

public class UpgradeRequestTests
{
    private static readonly byte[] Prefix = UpgradeRequest.Prefix("/socket.io/");
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Upgrade(string target = "/socket.io/?EIO=4&transport=websocket", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n";

    private static Verdict Read(string text, out UpgradeRequest? request) =>
        UpgradeRequest.TryRead(Encoding.Latin1.GetBytes(text), Prefix, out request);

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
    [InlineData("GET /soc")]
    [InlineData("GET /socket.io/?EIO=4")]
    [InlineData("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n")]
    public void ABeginningOfOne_NeedsMore(string text) => Assert.Equal(Verdict.NeedMore, Read(text, out _));

    [Theory]
    [InlineData("POST /socket.io/?EIO=4")]
    [InlineData("GET /healthz HTTP/1.1\r\n")]
    [InlineData("GET /socket.io/socket.io.js HTTP/1.1\r\n")]
    [InlineData("GET /socket.iox/?EIO=4")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    public void AnotherRequest_IsNotOurs_AtOnce(string text) => Assert.Equal(Verdict.NotOurs, Read(text, out _));

    [Theory]
    [InlineData("Upgrade: websocket\r\n", "")]
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
        var text = Upgrade().Replace("\r\n\r\n", "\r\n", StringComparison.Ordinal) + "X-Big: " + new string('a', UpgradeRequest.MaxHeaderBytes);
        Assert.Equal(Verdict.NotOurs, Read(text, out _));
    }
}
