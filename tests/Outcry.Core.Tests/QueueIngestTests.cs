using System.Text;
using System.Text.Json;
using Outcry.Core.Queues;

namespace Outcry.Core.Tests;

public class QueueIngestTests
{
    private static readonly QueueBinding Envelopes = new() { Name = "outcry.publish" };
    private static readonly QueueBinding News = new() { Name = "socket.io", Event = "news", Broadcast = true };

    private static QueueMessage Message(string body, string? contentType = null, Dictionary<string, string>? headers = null, string? messageId = null, string? routingKey = null) =>
        new(Encoding.UTF8.GetBytes(body), contentType, routingKey, headers, messageId);

    private static Publication Read(QueueBinding binding, QueueMessage message) =>
        QueueMessageReader.Read(binding, message, out var reason) ?? throw new InvalidOperationException(reason);

    private static string Reason(QueueBinding binding, QueueMessage message)
    {
        Assert.Null(QueueMessageReader.Read(binding, message, out var reason));
        return reason;
    }

    [Fact]
    public void Read_Envelope_IsThePublishApisEnvelope_WithTheMessageIdAsItsId()
    {
        var publication = Read(Envelopes, Message("""{"room":100,"event":"bid","data":{"price":5}}""", messageId: "m-1"));
        Assert.Equal(["100"], publication.Target.Rooms);
        Assert.Equal("bid", publication.Event);
        Assert.Equal(5, publication.Data.GetProperty("price").GetInt32());
        Assert.Equal("m-1", publication.Id);
        Assert.Equal("own", Read(Envelopes, Message("""{"room":1,"event":"bid","id":"own"}""", messageId: "m-1")).Id);
    }

    [Fact]
    public void Read_PlainBody_JsonOrTextByContentType_AsSeed002Sends()
    {
        var json = Read(News, Message("""{"no": 10, "\u6bd4\u5982": "\u4e2d\u6587\u4fe1\u606f"}""", "application/json"));
        Assert.True(json.Target.Broadcast);
        Assert.Equal("news", json.Event);
        Assert.Equal("中文信息", json.Data.GetProperty("比如").GetString());

        var text = Read(News, Message("\"text 10\"", "text/plain; charset=utf-8"));
        Assert.Equal(JsonValueKind.String, text.Data.ValueKind);
        Assert.Equal("\"text 10\"", text.Data.GetString());
        Assert.Equal("plain", Read(News, Message("plain")).Data.GetString()); // no content type: the binding's default, text
    }

    [Fact]
    public void Read_PlainBody_TargetFromHeaderThenRoutingKeyThenBinding()
    {
        var lots = new QueueBinding { Name = "lots", Event = "lot", Room = "fallback", RoomFromRoutingKey = true };
        Assert.Equal(["7"], Read(lots, Message("x", headers: new() { ["room"] = "7" }, routingKey: "lot.1")).Target.Rooms);
        Assert.Equal(["42"], Read(lots, Message("x", headers: new() { ["user"] = "42" }, routingKey: "lot.1")).Target.Users);
        Assert.Equal(["lot.1"], Read(lots, Message("x", routingKey: "lot.1")).Target.Rooms);
        Assert.Equal(["fallback"], Read(lots, Message("x")).Target.Rooms);

        var headers = new Dictionary<string, string> { ["room"] = "7", ["event"] = "sold", ["id"] = "i-1", ["key"] = "lot" };
        var publication = Read(lots, Message("x", headers: headers, messageId: "ignored"));
        Assert.Equal(("sold", "i-1", "lot"), (publication.Event, publication.Id, publication.Key));
    }

    [Theory]
    [InlineData("""{"room":"1","event":""", "not valid JSON")]
    [InlineData("""{"room":"1"}""", "event is required")]
    [InlineData("""{"event":"bid"}""", "name exactly one target")]
    [InlineData("""{"room":"1","event":"disconnect"}""", "reserved")]
    public void Read_BadEnvelope_SaysWhy(string body, string reason) =>
        Assert.Contains(reason, Reason(Envelopes, Message(body)), StringComparison.Ordinal);

    [Fact]
    public void Read_BadPlainBody_SaysWhy()
    {
        Assert.Contains("not valid JSON", Reason(News, Message("{", "application/json")), StringComparison.Ordinal);
        Assert.Contains("neither JSON nor text", Reason(News, Message("x", "application/octet-stream")), StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", Reason(News, new QueueMessage(new byte[] { 0xff, 0xfe }, "text/plain")), StringComparison.Ordinal);
        Assert.Contains("names no room", Reason(new QueueBinding { Name = "q", Event = "e" }, Message("x")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_EngineUnavailable_RetriesTheSameMessageUntilPublished()
    {
        var attempts = 0;
        var counters = new QueueCounters("test", "q");
        var ingest = new QueueIngest(Envelopes, counters, (_, _) =>
            ++attempts < 3 ? throw new EngineUnavailableException("Redis is unreachable") : ValueTask.FromResult(new PublishResult(null, 1)));

        var outcome = await ingest.HandleAsync(Message("""{"room":"1","event":"bid"}""") with { Redelivered = true }, CancellationToken.None);

        Assert.Equal(QueueResult.Published, outcome.Result);
        Assert.Equal(3, attempts);
        Assert.Equal((1L, 1L, 2L, 1L), (counters.ConsumedTotal, counters.PublishedTotal, counters.RetriesTotal, counters.RedeliveredTotal));
    }

    [Fact]
    public async Task Handle_Stopped_WhileRetrying_LeavesTheMessageUnacked()
    {
        using var stop = new CancellationTokenSource();
        var ingest = new QueueIngest(Envelopes, new QueueCounters("test", "q"), (_, _) =>
        {
            stop.Cancel();
            throw new EngineUnavailableException("Redis is unreachable");
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ingest.HandleAsync(Message("""{"room":"1","event":"bid"}"""), stop.Token).AsTask());
    }

    [Fact]
    public async Task Handle_DuplicateAndDead_AreCounted_AndAPublishFailureIsDeadNotRetried()
    {
        var counters = new QueueCounters("test", "q");
        var duplicate = new QueueIngest(Envelopes, counters, (_, _) => ValueTask.FromResult(new PublishResult(null, 0, Duplicate: true)));
        Assert.Equal(QueueResult.Duplicate, (await duplicate.HandleAsync(Message("""{"room":"1","event":"bid","id":"a"}"""), CancellationToken.None)).Result);
        Assert.Equal(QueueResult.DeadLettered, (await duplicate.HandleAsync(Message("nope"), CancellationToken.None)).Result);

        var small = new QueueIngest(Envelopes, counters, (_, _) => throw new InvalidOperationException("not reached"), maxBodyBytes: 10);
        Assert.Contains("more than the 10 allowed", (await small.HandleAsync(Message("""{"room":"1","event":"bid"}"""), CancellationToken.None)).Reason, StringComparison.Ordinal);

        var failing = new QueueIngest(Envelopes, counters, (_, _) => throw new ArgumentException("too big"));
        var outcome = await failing.HandleAsync(Message("""{"room":"1","event":"bid"}"""), CancellationToken.None);
        Assert.Equal((QueueResult.DeadLettered, "publishing failed: too big"), (outcome.Result, outcome.Reason));
        Assert.Equal((4L, 1L, 3L), (counters.ConsumedTotal, counters.DuplicatesTotal, counters.DeadLetteredTotal));
    }
}
