using SignalRPeer;

// Start: dotnet bench/peers/SignalR/bin/Release/net10.0/SignalRPeer.dll --urls http://127.0.0.1:3002
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// Warning and above only, so per-connection Information/Debug logs do not weigh on the benchmark.
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Framework defaults throughout: JSON hub protocol only, all transports (a bare WebSocket to /hub without
// /negotiate is accepted), no WebSocket or response compression, KeepAliveInterval 15 s,
// ClientTimeoutInterval 30 s.
var signalR = builder.Services.AddSignalR();

// Several nodes as one (the cluster benchmark): --Redis 127.0.0.1:6379 joins them with the framework's Redis backplane.
if (builder.Configuration["Redis"] is { Length: > 0 } redis)
{
    signalR.AddStackExchangeRedis(redis);
}

WebApplication app = builder.Build();

app.MapHub<PushHub>("/hub");
app.MapPushEndpoints();

// The lifetime's "Now listening on" is an Information log, filtered out above; a benchmark script may want a line.
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"SignalR peer listening on {string.Join(", ", app.Urls)}"));

app.Run();
