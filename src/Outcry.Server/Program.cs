using Microsoft.Extensions.Configuration.Memory;
using Outcry.Server;

var builder = WebApplication.CreateBuilder(args);

// ASP.NET Core's hosting diagnostics start an Activity and a logging scope for every request whenever their logger is
// enabled at any level, although request logs are off (Microsoft.AspNetCore: Warning). A held long-poll keeps them for
// its whole wait: ~0.7 KB per polling session (docs/BENCHMARKS.md). So that category is off unless configured; the
// first source has the lowest priority, so appsettings, the environment and the command line still override it, and
// tracing listeners (OpenTelemetry) still get their Activities.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "None")],
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // The seeds' push service listens on 3000; --urls (or ASPNETCORE_URLS) changes it.
    builder.WebHost.UseUrls("http://localhost:3000");
}

// Kestrel runs its transport continuations inline rather than on its I/O queues, so a connection's bytes go to the
// kernel on the thread that wrote them (a WebSocket flush thread). Under load, frames then pile up while that thread
// sends, and leave together: 4-5x the fan-out throughput on 2 cores (docs/BENCHMARKS.md). Safe for the standalone
// server, where no code blocks a thread; an application embedding Outcry makes its own choice.
// A push service meets reconnect storms: every client of a restarted node comes back at once. With Kestrel's listen
// backlog of 512 the kernel drops the SYNs that overflow it, and clients resend them only after 1 s, then 3 s; with
// 4096 (the kernel's usual somaxconn, which caps it) 19k clients connecting at once got their answer at p99 0.41 s
// instead of 1.4-1.6 s (docs/BENCHMARKS.md).
builder.WebHost.UseSockets(o =>
{
    o.UnsafePreferInlineScheduling = builder.Configuration.GetValue("Outcry:InlineScheduling", true);
    o.Backlog = builder.Configuration.GetValue("Outcry:Backlog", 4096);
});
// Engine.IO's WebSocket connections and long-polling requests are served below Kestrel's HTTP layer: about half the
// managed memory per idle connection and cheaper requests (docs/BENCHMARKS.md). Outcry:DirectWebSockets and
// Outcry:DirectPolling set to false send them through ASP.NET Core's request pipeline.
builder.WebHost.UseDirectEngineIo(builder.Configuration);

builder.Services.AddOutcry(builder.Configuration);
var app = builder.Build();
app.MapOutcry();
app.Run();
