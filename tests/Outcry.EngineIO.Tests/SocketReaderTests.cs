using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO.Tests;

/// <summary>The input of a WebSocket served on its bare socket, over a real loopback connection.</summary>
public sealed class SocketReaderTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private Socket _client = null!;
    private Socket _server = null!;
    private SocketReader _reader = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await _client.ConnectAsync(listener.LocalEndPoint!);
        _server = await listener.AcceptAsync();
        _server.Blocking = false;
        _reader = new SocketReader(_server);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _reader.Complete();
        _client.Dispose();
        _server.Dispose();
    }

    private Task<int> SendAsync(string text) => _client.SendAsync(Encoding.ASCII.GetBytes(text).AsMemory(), SocketFlags.None).AsTask();

    private static string Text(ReadResult result) => Encoding.ASCII.GetString(result.Buffer.ToArray());

    private async Task<ReadResult> ReadAsync() => await _reader.ReadAsync().AsTask().WaitAsync(Deadline);

    [Fact]
    public async Task WaitsForBytesThenReturnsThem()
    {
        var read = _reader.ReadAsync();
        Assert.False(read.IsCompleted);

        await SendAsync("hello");
        var result = await read.AsTask().WaitAsync(Deadline);
        Assert.Equal("hello", Text(result));
        Assert.False(result.IsCompleted);
        _reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task ExaminedBytesWaitForMoreAndComeBackWithThem()
    {
        await SendAsync("par");
        var first = await ReadAsync();
        Assert.Equal("par", Text(first));
        _reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        var next = _reader.ReadAsync();
        Assert.False(next.IsCompleted);
        await SendAsync("tial");
        var whole = await next.AsTask().WaitAsync(Deadline);
        Assert.Equal("partial", Text(whole));
        _reader.AdvanceTo(whole.Buffer.End);
    }

    [Fact]
    public async Task UnexaminedBytesComeBackAtOnce()
    {
        await SendAsync("onetwo");
        var first = await ReadAsync();
        Assert.Equal("onetwo", Text(first));
        var three = first.Buffer.GetPosition(3);
        _reader.AdvanceTo(three, three);

        var next = _reader.ReadAsync();
        Assert.True(next.IsCompleted);
        var rest = await next;
        Assert.Equal("two", Text(rest));
        _reader.AdvanceTo(rest.Buffer.End);
    }

    [Fact]
    public async Task TheClientsEndCompletesTheRead()
    {
        await SendAsync("last");
        _client.Shutdown(SocketShutdown.Send);
        var result = await ReadAsync();
        while (!result.IsCompleted)
        {
            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await ReadAsync();
        }

        Assert.Equal("last", Text(result));
    }

    [Fact]
    public async Task AResetFailsTheRead()
    {
        var read = _reader.ReadAsync();
        _client.LingerState = new LingerOption(true, 0);
        _client.Close();
        await Assert.ThrowsAsync<IOException>(() => read.AsTask().WaitAsync(Deadline));
    }

    [Fact]
    public async Task CancellingAPendingReadEndsItAndTheNextReadStillGetsTheBytes()
    {
        var read = _reader.ReadAsync();
        _reader.CancelPendingRead();
        var cancelled = await read.AsTask().WaitAsync(Deadline);
        Assert.True(cancelled.IsCanceled);
        _reader.AdvanceTo(cancelled.Buffer.Start);

        var next = _reader.ReadAsync();
        await SendAsync("after");
        var result = await next.AsTask().WaitAsync(Deadline);
        Assert.False(result.IsCanceled);
        Assert.Equal("after", Text(result));
        _reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task CancellingWithNoReadPendingEndsTheNextOne()
    {
        _reader.CancelPendingRead();
        var read = _reader.ReadAsync();
        Assert.True(read.IsCompleted);
        Assert.True((await read).IsCanceled);
    }

    [Fact]
    public async Task ATokenEndsItsOwnReadOnly()
    {
        using var first = new CancellationTokenSource();
        var pending = _reader.ReadAsync(first.Token);
        await SendAsync("a");
        var result = await pending.AsTask().WaitAsync(Deadline);
        _reader.AdvanceTo(result.Buffer.End);

        // The earlier read's token fires while a later read (without one) waits: that read goes on.
        var later = _reader.ReadAsync();
        await first.CancelAsync();
        Assert.False(later.IsCompleted);
        await SendAsync("b");
        var b = await later.AsTask().WaitAsync(Deadline);
        Assert.Equal("b", Text(b));
        _reader.AdvanceTo(b.Buffer.End);

        using var own = new CancellationTokenSource();
        var cancelled = _reader.ReadAsync(own.Token);
        await own.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask().WaitAsync(Deadline));
    }

    [Fact]
    public async Task BytesHeldUnconsumedGrowTheBufferAndArriveInOrder()
    {
        var sent = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        var send = _client.SendAsync(sent.AsMemory(), SocketFlags.None).AsTask();

        // Nothing consumed until all of it is there: the buffer grows past its first 4 KiB.
        var result = await ReadAsync();
        while (result.Buffer.Length < sent.Length)
        {
            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await ReadAsync();
        }

        Assert.Equal(sent, result.Buffer.ToArray());
        _reader.AdvanceTo(result.Buffer.End);
        await send.WaitAsync(Deadline);
    }

    [Fact]
    public async Task ACompletedReaderRefusesReads()
    {
        _reader.Complete();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await _reader.ReadAsync());
    }
}
