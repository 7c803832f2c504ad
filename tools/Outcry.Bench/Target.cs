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

    public Target(string name, Uri url, int? pid)
    {
        Name = name;
        Url = url;
        Pid = pid;
        Wire = name == "signalr" ? "signalr" : "socketio";
        Server = new IPEndPoint(IPAddress.Parse(url.Host == "localhost" ? "127.0.0.1" : url.Host), url.Port).ToString();
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public string Name { get; }

    public Uri Url { get; }

    /// <summary>The server's process, for its CPU time and memory.</summary>
    public int? Pid { get; }

    public string Wire { get; }

    /// <summary>host:port for the clients' sockets.</summary>
    public string Server { get; }

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

    public void Dispose() => _http.Dispose();

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
