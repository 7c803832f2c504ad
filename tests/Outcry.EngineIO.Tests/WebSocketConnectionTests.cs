using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO.Tests;

public sealed class WebSocketConnectionTests : IDisposable
{
    private const int Max = 100_000;
    private static readonly byte[] MaskKey = [0x37, 0xfa, 0x21, 0x3d];

    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly MemoryStream _sent = new();
    private readonly WebSocketConnection _socket;

    public WebSocketConnectionTests()
    {
        _socket = new WebSocketConnection(_pipe.Reader, new SharedWriteStream(_sent), ownsInput: true);
    }

    public void Dispose() => _socket.Dispose();

    // A client's frame (RFC 6455 §5.2): masked unless told otherwise.
    private static byte[] Frame(int opcode, byte[] payload, bool fin = true, int reserved = 0, bool masked = true)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | reserved | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= 0xFFFF)
        {
            frame.AddRange([(byte)(maskBit | 126), (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                frame.Add((byte)((long)payload.Length >> shift));
            }
        }

        if (masked)
        {
            frame.AddRange(MaskKey);
        }

        frame.AddRange(payload.Select((b, i) => masked ? (byte)(b ^ MaskKey[i % 4]) : b));
        return [.. frame];
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private async Task SendAsync(params byte[][] frames)
    {
        foreach (var frame in frames)
        {
            await _pipe.Writer.WriteAsync(frame);
        }
    }

    // The close frame the server sent: its status code.
    private int SentCloseCode()
    {
        var sent = _sent.ToArray();
        Assert.True(sent.Length >= 4, "no close frame was sent");
        Assert.Equal(0x88, sent[0]);
        return (sent[2] << 8) | sent[3];
    }

    [Fact]
    public async Task AMaskedTextFrame_IsOneMessage()
    {
        await SendAsync(Frame(1, Utf8("4hello ✓")));

        var message = await _socket.ReceiveAsync(Max, default);

        Assert.False(message!.Value.IsBinary);
        Assert.Equal("4hello ✓", Encoding.UTF8.GetString(message.Value.Data.Span));
        Assert.Equal(WebSocketState.Open, _socket.State);
    }

    [Fact]
    public async Task BytesArrivingOneAtATime_MakeTheSameMessages()
    {
        var bytes = Frame(1, Utf8("42[\"a\"]")).Concat(Frame(2, [1, 2, 3])).ToArray();
        var first = _socket.ReceiveAsync(Max, default).AsTask();
        foreach (var b in bytes)
        {
            await _pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal("42[\"a\"]", Encoding.UTF8.GetString((await first)!.Value.Data.Span));
        var second = await _socket.ReceiveAsync(Max, default);
        Assert.True(second!.Value.IsBinary);
        Assert.Equal([1, 2, 3], second.Value.Data.ToArray());
    }

    [Fact]
    public async Task AFragmentedMessage_IsJoined_AndAPingBetweenItsFramesIsAnsweredWithAPong()
    {
        var payload = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        await SendAsync(
            Frame(2, payload[..30_000], fin: false),
            Frame(9, [7, 8]),
            Frame(0, payload[30_000..30_000], fin: false),
            Frame(0, payload[30_000..], fin: true));

        var message = await _socket.ReceiveAsync(Max, default);

        Assert.True(message!.Value.IsBinary);
        Assert.Equal(payload, message.Value.Data.ToArray());
        Assert.Equal([0x8A, 2, 7, 8], _sent.ToArray());
    }

    [Fact]
    public async Task AnEmptyTextMessage_IsAMessage_AndAPongIsIgnored()
    {
        await SendAsync(Frame(10, [1]), Frame(1, []));

        var message = await _socket.ReceiveAsync(Max, default);

        Assert.Equal(0, message!.Value.Data.Length);
        Assert.Empty(_sent.ToArray());
    }

    [Theory]
    [InlineData("unmasked")]
    [InlineData("reserved bit")]
    [InlineData("reserved opcode")]
    [InlineData("continuation first")]
    [InlineData("new message inside another")]
    [InlineData("long ping")]
    [InlineData("fragmented ping")]
    [InlineData("one-byte close")]
    [InlineData("close code 1005")]
    public async Task AProtocolViolation_IsClosedWith1002_AndTheReadFails(string violation)
    {
        byte[][] frames = violation switch
        {
            "unmasked" => [Frame(1, Utf8("4x"), masked: false)],
            "reserved bit" => [Frame(1, Utf8("4x"), reserved: 0x40)],
            "reserved opcode" => [Frame(3, Utf8("4x"))],
            "continuation first" => [Frame(0, Utf8("4x"))],
            "new message inside another" => [Frame(1, Utf8("4x"), fin: false), Frame(1, Utf8("4y"))],
            "long ping" => [Frame(9, new byte[126])],
            "fragmented ping" => [Frame(9, [1], fin: false)],
            "one-byte close" => [Frame(8, [3])],
            "close code 1005" => [Frame(8, [0x03, 0xED])],
            _ => throw new ArgumentOutOfRangeException(nameof(violation)),
        };
        await SendAsync(frames);

        await Assert.ThrowsAsync<WebSocketException>(() => _socket.ReceiveAsync(Max, default).AsTask());

        Assert.Equal(1002, SentCloseCode());
        Assert.Equal(WebSocketState.CloseSent, _socket.State);
    }

    [Fact]
    public async Task InvalidUtf8InATextMessage_IsClosedWith1007()
    {
        await SendAsync(Frame(1, [0x34, 0xC3, 0x28]));

        await Assert.ThrowsAsync<WebSocketException>(() => _socket.ReceiveAsync(Max, default).AsTask());

        Assert.Equal(1007, SentCloseCode());
    }

    [Fact]
    public async Task AMessageOverTheLimit_FailsOnItsHeader_BeforeThePayloadArrives()
    {
        var header = Frame(2, new byte[Max + 1])[..14];
        await SendAsync(header);

        await Assert.ThrowsAsync<MessageTooBigException>(() => _socket.ReceiveAsync(Max, default).AsTask());
    }

    [Fact]
    public async Task FragmentsOverTheLimitTogether_Fail()
    {
        await SendAsync(Frame(2, new byte[60_000], fin: false), Frame(0, new byte[60_000]));

        await Assert.ThrowsAsync<MessageTooBigException>(() => _socket.ReceiveAsync(Max, default).AsTask());
    }

    [Fact]
    public async Task TheClientsClose_EndsTheRead_AndOurCloseCompletesTheHandshake()
    {
        await SendAsync(Frame(8, [0x03, 0xE8, .. Utf8("bye")]));

        Assert.Null(await _socket.ReceiveAsync(Max, default));
        Assert.Equal(WebSocketState.CloseReceived, _socket.State);

        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);

        Assert.Equal(WebSocketState.Closed, _socket.State);
        Assert.Equal([0x88, 2, 0x03, 0xE8], _sent.ToArray());
    }

    [Fact]
    public async Task CancelRead_EndsAnIdleRead()
    {
        var read = _socket.ReceiveAsync(Max, default).AsTask();
        Assert.False(read.IsCompleted);

        _socket.CancelRead();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Waiting_TakesNothing_SoTheReceiveAfterItGetsTheWholeMessage()
    {
        var wait = _socket.WaitAsync().AsTask();
        Assert.False(wait.IsCompleted);
        await SendAsync(Frame(1, Utf8("2")), Frame(1, Utf8("3")));

        _socket.EndWait(await wait);

        Assert.Equal("2", Encoding.UTF8.GetString((await _socket.ReceiveAsync(Max, default))!.Value.Data.Span));
        Assert.Equal("3", Encoding.UTF8.GetString((await _socket.ReceiveAsync(Max, default))!.Value.Data.Span));
    }

    [Fact]
    public async Task CancelRead_EndsAnIdleWait()
    {
        var wait = _socket.WaitAsync().AsTask();

        _socket.CancelRead();

        var waited = await wait;
        Assert.Throws<OperationCanceledException>(() => _socket.EndWait(waited));
    }

    [Fact]
    public async Task AConnectionEndingMidMessage_FailsTheRead()
    {
        await SendAsync(Frame(1, Utf8("4hello"))[..5]);
        await _pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<WebSocketException>(() => _socket.ReceiveAsync(Max, default).AsTask());

        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, error.WebSocketErrorCode);
        Assert.Equal(WebSocketState.Aborted, _socket.State);
    }
}
