using System.Globalization;
using System.Text;
using Outcry.Core.Queues;
using Outcry.EngineIO;
using Outcry.Server.Push;
using Outcry.Server.Sse;
using Outcry.SocketIO;

namespace Outcry.Server;

/// <summary>Renders the counters in the Prometheus text exposition format (version 0.0.4).</summary>
internal static class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(EngineIoMetrics engine, SocketIoServer io, SseHub sse, Publisher publisher, RecoveryCounters recoveries, QueueMetrics queues)
    {
        var text = new StringBuilder(1024);
        Labeled(text, "outcry_connections", "gauge", "Open connections by transport (Engine.IO polling and WebSocket, Server-Sent Events).", "transport",
            ("polling", engine.CurrentPollingConnections), ("websocket", engine.CurrentWebSocketConnections), ("sse", sse.Count));
        Counter(text, "outcry_handshakes_total", "Engine.IO sessions opened.", engine.TotalHandshakes);
        Counter(text, "outcry_upgrades_total", "Polling sessions upgraded to WebSocket.", engine.TotalUpgrades);
        Labeled(text, "outcry_packets_total", "counter", "Engine.IO packets by direction.", "direction",
            ("in", engine.TotalPacketsIn), ("out", engine.TotalPacketsOut));
        Labeled(text, "outcry_bytes_total", "counter", "Engine.IO packet bytes by direction.", "direction",
            ("in", engine.TotalBytesIn), ("out", engine.TotalBytesOut));
        Labeled(text, "outcry_errors_total", "counter", "Refused requests (handshake) and connections closed on a transport or parse error (transport).", "kind",
            ("handshake", engine.TotalHandshakeErrors), ("transport", engine.TotalTransportErrors));
        Counter(text, "outcry_slow_consumer_disconnects_total", "Connections closed because their outbound queue stayed full (Outcry:EngineIO:MaxQueuedPackets).", engine.TotalSlowConsumers + Interlocked.Read(ref sse.Counters.SlowConsumers));
        Counter(text, "outcry_conflated_total", "Queued keyed-state events a later one replaced on a backlogged connection (Outcry:EngineIO:BacklogThreshold).", engine.TotalConflated + Interlocked.Read(ref sse.Counters.Conflated));
        Counter(text, "outcry_dropped_total", "Volatile events dropped for a backlogged connection.", engine.TotalDropped + Interlocked.Read(ref sse.Counters.Dropped));
        Gauge(text, "outcry_sockets", "Connected Socket.IO sockets by namespace.");
        foreach (var nsp in io.Namespaces)
        {
            Sample(text, "outcry_sockets", "namespace=\"" + Escape(nsp.Name) + "\"", nsp.Sockets.Count);
        }

        Labeled(text, "outcry_publications_total", "counter", "Publications accepted, by where they came from.", "source",
            ("http", publisher.Published(PublishSource.Http)), ("socket", publisher.Published(PublishSource.Socket)), ("queue", publisher.Published(PublishSource.Queue)));
        Counter(text, "outcry_deliveries_total", "Publications handed to a connection on this node.", publisher.Deliveries);
        Labeled(text, "outcry_recoveries_total", "counter", "Connection state recoveries (Socket.IO, and SSE resumes with Last-Event-ID), by result.", "result",
            ("succeeded", recoveries.SucceededTotal), ("failed", recoveries.FailedTotal));
        Counter(text, "outcry_recovered_events_total", "Missed events replayed to recovered connections.", recoveries.ReplayedTotal);
        Queues(text, queues);
        return text.ToString();
    }

    // Per consumed queue (docs/queues.md): labelled by transport (rabbitmq, redis) and queue or stream name.
    private static void Queues(StringBuilder text, QueueMetrics metrics)
    {
        var queues = metrics.All.ToList();
        if (queues.Count == 0)
        {
            return;
        }

        static string Labels(QueueCounters q) => "transport=\"" + q.Transport + "\",queue=\"" + Escape(q.Queue) + "\"";
        Help(text, "outcry_queue_messages_total", "counter", "Queue messages consumed, by outcome: published, duplicate (its id was published already), dead_lettered.");
        foreach (var q in queues)
        {
            Sample(text, "outcry_queue_messages_total", Labels(q) + ",outcome=\"published\"", Interlocked.Read(ref q.PublishedTotal));
            Sample(text, "outcry_queue_messages_total", Labels(q) + ",outcome=\"duplicate\"", Interlocked.Read(ref q.DuplicatesTotal));
            Sample(text, "outcry_queue_messages_total", Labels(q) + ",outcome=\"dead_lettered\"", Interlocked.Read(ref q.DeadLetteredTotal));
        }

        foreach (var (name, help, read) in new (string, string, Func<QueueCounters, long>)[]
        {
            ("outcry_queue_consumed_total", "Queue messages received, redeliveries included.", q => Interlocked.Read(ref q.ConsumedTotal)),
            ("outcry_queue_redelivered_total", "Queue messages received again (a consumer stopped or died before acking them).", q => Interlocked.Read(ref q.RedeliveredTotal)),
            ("outcry_queue_retries_total", "Publish attempts of queue messages retried while the engine was unavailable.", q => Interlocked.Read(ref q.RetriesTotal)),
        })
        {
            Help(text, name, "counter", help);
            foreach (var q in queues)
            {
                Sample(text, name, Labels(q), read(q));
            }
        }

        Help(text, "outcry_queue_lag", "gauge", "Messages waiting in the queue or stream for this node (-1 while unknown or consumed by another node).");
        foreach (var q in queues)
        {
            Sample(text, "outcry_queue_lag", Labels(q), Interlocked.Read(ref q.Lag));
        }
    }

    private static void Gauge(StringBuilder text, string name, string help) => Help(text, name, "gauge", help);

    private static void Counter(StringBuilder text, string name, string help, long value)
    {
        Help(text, name, "counter", help);
        text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    // One metric with one label: # HELP, # TYPE, then a sample per label value.
    private static void Labeled(StringBuilder text, string name, string type, string help, string label, params ReadOnlySpan<(string Value, long Count)> samples)
    {
        Help(text, name, type, help);
        foreach (var (value, count) in samples)
        {
            Sample(text, name, label + "=\"" + value + "\"", count);
        }
    }

    private static void Help(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
