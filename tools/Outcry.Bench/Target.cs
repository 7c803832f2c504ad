using System.Net;
using System.Text;

namespace Outcry.Bench;

/// <summary>
/// The server under test, and how a backend publishes to it. All three take seed 000's push call,
/// <c>POST /pub {"itemId","channel","message"}</c>; batches and broadcasts use each server's own endpoint.
/// </summary>
internal sealed class Target : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="url">Where the backend publishes (and, without <paramref name="nodes"/>, where clients connect).</param>
    /// <param name="pids">The server's processes (several for a cluster: the nodes, Redis), for CPU time and memory.</param>
    /// <param name="nodes">A cluster's nodes: client i connects to node i mod n.</param>
    public Target(string name, Uri url, IReadOnlyList<int> pids, IReadOnlyList<Uri>? nodes = null)
    {
        Name = name;
        Url = url;
        Pids = pids;
        Wire = name == "signalr" ? "signalr" : "socketio";
        Server = string.Join(',', (nodes is { Count: > 0 } ? nodes : [url]).Select(EndPoint));
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public string Name { get; }

    public Uri Url { get; }

    /// <summary>The server's processes, for their CPU time and memory.</summary>
    public IReadOnlyList<int> Pids { get; }

    /// <summary>The first server process (memory figures are for one).</summary>
    public int? Pid => Pids.Count > 0 ? Pids[0] : null;

    public string Wire { get; }

    /// <summary>host:port for the clients' sockets; several, comma-separated, for a cluster.</summary>
    public string Server { get; }

    /// <summary>How many nodes the clients are spread over (1 unless a cluster).</summary>
    public int NodeCount => Server.Count(c => c == ',') + 1;

    public bool IsOutcry => Name == "outcry";

    public HttpClient Http => _http;

    public Task PublishAsync(string room, string message, CancellationToken cancel = default) =>
        SendAsync("/pub", $"{{\"itemId\":\"{room}\",\"channel\":\"m\",\"message\":{message}}}", cancel);

    public Task PublishBatchAsync(IReadOnlyList<(string Room, string Message)> items, CancellationToken cancel = default)
    {
        var body = new StringBuilder("[");
        foreach (var (room, message) in items)
        {
            body.Append(body.Length > 1 ? "," : "")
                .Append(IsOutcry ? $"{{\"room\":\"{room}\",\"event\":\"m\",\"data\":{message}}}" : $"{{\"itemId\":\"{room}\",\"channel\":\"m\",\"message\":{message}}}");
        }

        return SendAsync(IsOutcry ? "/api/publish/batch" : "/pub/batch", body.Append(']').ToString(), cancel);
    }

    public Task BroadcastAsync(string message, CancellationToken cancel = default) =>
        IsOutcry
            ? SendAsync("/api/publish", $"{{\"broadcast\":true,\"event\":\"m\",\"data\":{message}}}", cancel)
            : SendAsync("/pub/all", $"{{\"channel\":\"m\",\"message\":{message}}}", cancel);

    /// <summary>User + system CPU seconds of all the server's processes so far; NaN without --pid.</summary>
    public double CpuSeconds() => Pids.Count == 0 ? double.NaN : Pids.Sum(Measure.ProcessStats.CpuSeconds);

    public void Dispose() => _http.Dispose();

    private static string EndPoint(Uri url) => new IPEndPoint(IPAddress.Parse(url.Host == "localhost" ? "127.0.0.1" : url.Host), url.Port).ToString();

    private async Task SendAsync(string path, string body, CancellationToken cancel)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(path, content, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{Name} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false)}");
        }
    }
}
