using System.Globalization;
using System.Text;
using Outcry.EngineIO;
using Outcry.Server.Push;
using Outcry.SocketIO;

namespace Outcry.Server;

/// <summary>Renders the counters in the Prometheus text exposition format (version 0.0.4).</summary>
internal static class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(EngineIoMetrics engine, SocketIoServer io, Publisher publisher, RecoveryCounters recoveries)
    {
        var text = new StringBuilder(1024);
        Gauge(text, "outcry_connections", "Open Engine.IO connections by transport.");
        Sample(text, "outcry_connections", "transport=\"polling\"", engine.CurrentPollingConnections);
        Sample(text, "outcry_connections", "transport=\"websocket\"", engine.CurrentWebSocketConnections);
        Counter(text, "outcry_handshakes_total", "Engine.IO sessions opened.", engine.TotalHandshakes);
        Counter(text, "outcry_upgrades_total", "Polling sessions upgraded to WebSocket.", engine.TotalUpgrades);
        Help(text, "outcry_packets_total", "counter", "Engine.IO packets by direction.");
        Sample(text, "outcry_packets_total", "direction=\"in\"", engine.TotalPacketsIn);
        Sample(text, "outcry_packets_total", "direction=\"out\"", engine.TotalPacketsOut);
        Help(text, "outcry_bytes_total", "counter", "Engine.IO packet bytes by direction.");
        Sample(text, "outcry_bytes_total", "direction=\"in\"", engine.TotalBytesIn);
        Sample(text, "outcry_bytes_total", "direction=\"out\"", engine.TotalBytesOut);
        Help(text, "outcry_errors_total", "counter", "Refused requests (handshake) and connections closed on a transport or parse error (transport).");
        Sample(text, "outcry_errors_total", "kind=\"handshake\"", engine.TotalHandshakeErrors);
        Sample(text, "outcry_errors_total", "kind=\"transport\"", engine.TotalTransportErrors);
        Counter(text, "outcry_slow_consumer_disconnects_total", "Connections closed because their outbound queue stayed full (Outcry:EngineIO:MaxQueuedPackets).", engine.TotalSlowConsumers);
        Gauge(text, "outcry_sockets", "Connected Socket.IO sockets by namespace.");
        foreach (var nsp in io.Namespaces)
        {
            Sample(text, "outcry_sockets", "namespace=\"" + Escape(nsp.Name) + "\"", nsp.Sockets.Count);
        }

        Help(text, "outcry_publications_total", "counter", "Publications accepted, by where they came from.");
        Sample(text, "outcry_publications_total", "source=\"http\"", publisher.PublishedViaHttp);
        Sample(text, "outcry_publications_total", "source=\"socket\"", publisher.PublishedViaSocket);
        Counter(text, "outcry_deliveries_total", "Publications handed to a connection on this node.", publisher.Deliveries);
        Help(text, "outcry_recoveries_total", "counter", "Socket.IO connection state recoveries, by result.");
        Sample(text, "outcry_recoveries_total", "result=\"succeeded\"", recoveries.SucceededTotal);
        Sample(text, "outcry_recoveries_total", "result=\"failed\"", recoveries.FailedTotal);
        Counter(text, "outcry_recovered_events_total", "Missed events replayed to recovered connections.", recoveries.ReplayedTotal);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help) => Help(text, name, "gauge", help);

    private static void Counter(StringBuilder text, string name, string help, long value)
    {
        Help(text, name, "counter", help);
        text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Help(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
