using Outcry.Conformance;
using Outcry.EngineIO;
using Outcry.Server;
using Outcry.SocketIO;

// The reference servers' settings (socketio/engine.io-protocol and socket.io-protocol test-suite READMEs).
static EngineIoOptions ReferenceOptions() => new()
{
    PingInterval = TimeSpan.FromMilliseconds(300),
    PingTimeout = TimeSpan.FromMilliseconds(200),
    MaxHttpBufferSize = 1_000_000,
    AllowedOrigins = ["*"],
};

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:3000");
}

// As in Outcry.Server; tests/clients also run with it off (--Outcry:DirectWebSockets=false, --Outcry:DirectPolling=false)
// to cover the HTTP path, and with Outcry:WriteToSocket=false to cover direct connections that write through the
// transport's pipe.
builder.WebHost.UseDirectEngineIo(builder.Configuration);

var app = builder.Build();
app.UseWebSockets();

var echo = new EngineIoServer(ReferenceOptions(), new EchoHandler(), app.Services.GetRequiredService<ILogger<EngineIoServer>>());
OutcryHost.MapEngineIo(app, "/engine.io", echo);

var io = new SocketIoServer(new SocketIoOptions { ConnectTimeout = TimeSpan.FromSeconds(1) }, app.Services.GetRequiredService<ILogger<SocketIoServer>>());
ReferenceHandlers.Attach(io.Of("/"));
ReferenceHandlers.Attach(io.Of("/custom"));

// Beyond the reference: a middleware-guarded namespace and dynamic namespaces, for tests/clients.
ReferenceHandlers.AttachPrivate(io.Of("/private"));
ReferenceHandlers.AttachPrivate(io.OfDynamic(name => System.Text.RegularExpressions.Regex.IsMatch(name, @"^/dynamic-\d+$")));
var engine = new EngineIoServer(ReferenceOptions(), io, app.Services.GetRequiredService<ILogger<EngineIoServer>>());
ClientBundle.FromAppDirectory().Map(app, "/socket.io");
OutcryHost.MapEngineIo(app, "/socket.io", engine);

app.MapGet("/healthz", () => Results.Text("ok"));
app.Run();
