using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Outcry.Core;
using Outcry.Core.Queues;
using Outcry.EngineIO;
using Outcry.Redis;
using Outcry.Redis.Emitter;
using Outcry.Server.Api;
using Outcry.Server.Auth;
using Outcry.Server.Push;
using Outcry.Server.Queues;
using Outcry.Server.Sse;
using Outcry.SocketIO;
using StackExchange.Redis;

namespace Outcry.Server;

/// <summary>Wires the layers into an ASP.NET Core host: services from configuration, endpoints on the app.</summary>
public static partial class OutcryHost
{
    /// <summary>Registers the push service, bound to the "Outcry" section (and its "EngineIO" and "SocketIO" sub-sections).</summary>
    public static IServiceCollection AddOutcry(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EngineIoOptions>(configuration.GetSection("Outcry:EngineIO"));
        services.Configure<SocketIoOptions>(configuration.GetSection("Outcry:SocketIO"));
        services.Configure<OutcryOptions>(configuration.GetSection("Outcry"));

        // The binder adds configured list items to a list's default items; a configured list replaces them instead.
        services.PostConfigure<EngineIoOptions>(o => ReplaceList(configuration, "Outcry:EngineIO:Transports", v => o.Transports = v));
        services.PostConfigure<OutcryOptions>(o =>
        {
            ReplaceList(configuration, "Outcry:Namespaces", v => o.Namespaces = v);
            ReplaceList(configuration, "Outcry:Rooms:QueryParameters", v => o.Rooms.QueryParameters = v);
            ReplaceList(configuration, "Outcry:Proxy:Headers", v => o.Proxy.Headers = v);
            ReplaceList(configuration, "Outcry:Proxy:Rpc:Events", v => o.Proxy.Rpc.Events = v);
        });
        services.AddSingleton(sp => new SocketIoServer(
            sp.GetRequiredService<IOptions<SocketIoOptions>>().Value,
            sp.GetRequiredService<ILogger<SocketIoServer>>()));
        services.AddSingleton(sp => new EngineIoServer(
            sp.GetRequiredService<IOptions<EngineIoOptions>>().Value,
            sp.GetRequiredService<SocketIoServer>(),
            sp.GetRequiredService<ILogger<EngineIoServer>>()));
        services.AddSingleton(_ => ClientBundle.FromAppDirectory());

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OutcryOptions>>().Value);
        services.AddSingleton(sp => new ApiKey(sp.GetRequiredService<OutcryOptions>().ApiKey));
        services.AddSingleton(sp => new RoomAccess(sp.GetRequiredService<OutcryOptions>().Rooms.Private));
        services.AddSingleton<SseHub>();
        services.AddSingleton<IPublicationSink>(sp => new FanOutSink(new SocketIoSink(sp.GetRequiredService<SocketIoServer>()), sp.GetRequiredService<SseHub>()));
        services.AddSingleton<SseEndpoint>();
        services.Configure<HistoryOptions>(configuration.GetSection("Outcry:History"));
        AddEngine(services, configuration);
        services.AddSingleton<Publisher>();
        services.AddSingleton<RecoveryCounters>();
        services.AddSingleton<Recovery>();
        services.AddHttpClient(BackendProxy.ClientName);
        services.AddSingleton<BackendProxy>();
        services.AddSingleton(sp => new ClientAuthenticator(
            sp.GetRequiredService<OutcryOptions>(),
            sp.GetRequiredService<ApiKey>(),
            JwtAuthenticator.Create(sp.GetRequiredService<OutcryOptions>().Auth),
            sp.GetRequiredService<BackendProxy>()));
        services.AddSingleton<RoomAuthorizer>();
        services.AddSingleton<PushHub>();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<IConnectionCommands, SocketCommands>();
        QueueConsumers.Add(services, configuration);
        return services;
    }

    // History, broker, recovery sessions and presence: in this process, or shared by every node through Redis
    // ("Outcry:Engine": "memory", the default, or "redis", configured by "Outcry:Redis"; docs/scaling.md).
    private static void AddEngine(IServiceCollection services, IConfiguration configuration)
    {
        var engine = configuration["Outcry:Engine"] ?? "memory";
        if (engine.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton(sp => new InMemoryHistoryStore(sp.GetRequiredService<IOptions<HistoryOptions>>().Value));
            services.AddSingleton<IHistoryStore>(sp => sp.GetRequiredService<InMemoryHistoryStore>());
            services.AddSingleton<IBroker>(sp => new InMemoryBroker(sp.GetRequiredService<InMemoryHistoryStore>(), sp.GetRequiredService<IPublicationSink>()));
            services.AddSingleton<IRecoveryStore>(_ => new InMemoryRecoveryStore());
            services.AddSingleton<IPresenceStore>(_ => new InMemoryPresenceStore());
            services.AddSingleton<IClusterCommands>(sp => new LocalClusterCommands(sp.GetRequiredService<IConnectionCommands>()));
            return;
        }

        if (!engine.Equals("redis", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Outcry:Engine must be \"memory\" or \"redis\", not \"{engine}\"");
        }

        var redis = configuration.GetSection("Outcry:Redis").Get<RedisOptions>() ?? new();
        services.AddSingleton(redis);
        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            // Starts even while Redis is unreachable, and reconnects by itself; /readyz tells the state.
            var options = ConfigurationOptions.Parse(redis.Configuration);
            options.AbortOnConnectFail = false;
            // While Redis is unreachable a publish fails at once (503) instead of waiting in a backlog.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            return ConnectionMultiplexer.Connect(options);
        });
        services.AddSingleton(sp => new RedisHistoryStore(
            sp.GetRequiredService<IConnectionMultiplexer>(), redis, sp.GetRequiredService<IOptions<HistoryOptions>>().Value));
        services.AddSingleton<IHistoryStore>(sp => sp.GetRequiredService<RedisHistoryStore>());
        var node = RedisBroker.NewNodeId();
        services.AddSingleton<IBroker>(sp => new RedisBroker(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisHistoryStore>(), sp.GetRequiredService<IPublicationSink>(), node, sp.GetRequiredService<ILogger<RedisBroker>>(),
            onLost: () =>
            {
                // Publications this node missed are gone (from the log, or with Redis's data): its clients reconnect and recover.
                sp.GetRequiredService<EngineIoServer>().CloseAll();
                sp.GetRequiredService<SseHub>().EndAll();
            }));
        services.AddSingleton<IRecoveryStore>(sp => new RedisRecoveryStore(
            sp.GetRequiredService<IConnectionMultiplexer>(), redis, node, sp.GetRequiredService<OutcryOptions>().Recovery.Window));
        services.AddSingleton<IPresenceStore>(sp => new RedisPresenceStore(sp.GetRequiredService<IConnectionMultiplexer>(), redis, node));
        services.AddSingleton<IClusterCommands>(sp => new RedisClusterCommands(
            sp.GetRequiredService<IConnectionMultiplexer>(), redis, sp.GetRequiredService<IConnectionCommands>(), node, sp.GetRequiredService<ILogger<RedisClusterCommands>>()));
        if (redis.EmitterKey is { Length: > 0 })
        {
            services.AddSingleton(sp => new EmitterListener(
                sp.GetRequiredService<IConnectionMultiplexer>(), redis.EmitterKey, sp.GetRequiredService<IPublicationSink>(),
                sp.GetRequiredService<IConnectionCommands>(), sp.GetRequiredService<ILogger<EmitterListener>>()));
        }
    }

    private static void ReplaceList(IConfiguration configuration, string key, Action<List<string>> set)
    {
        var section = configuration.GetSection(key);
        if (section.Exists())
        {
            set([.. section.GetChildren().Select(c => c.Value).OfType<string>()]);
        }
    }

    /// <summary>Maps /socket.io/ (and its client bundle), the HTTP API, /healthz, /readyz and /metrics.</summary>
    public static WebApplication MapOutcry(this WebApplication app)
    {
        var engine = app.Services.GetRequiredService<EngineIoServer>();
        var io = app.Services.GetRequiredService<SocketIoServer>();
        var options = app.Services.GetRequiredService<OutcryOptions>();
        var hub = app.Services.GetRequiredService<PushHub>();
        var presence = app.Services.GetRequiredService<PresenceTracker>();
        if (options.Recovery.Enabled)
        {
            io.Recovery = app.Services.GetRequiredService<Recovery>();
        }

        // With the Redis engine (there is a connection to Redis): shared sessions, the emitter, other nodes' commands.
        var redis = app.Services.GetService<IConnectionMultiplexer>();
        foreach (var name in options.Namespaces)
        {
            var nsp = Glob.HasWildcards(name) ? io.OfDynamic(n => Glob.IsMatch(name, n)) : io.Of(name);
            hub.Attach(nsp);
            presence.Attach(nsp);
            if (redis is not null)
            {
                // Another node may have to restore these sessions if this one crashes.
                (io.Recovery as Recovery)?.Attach(nsp);
            }
        }

        if (redis is not null && !app.Services.GetRequiredService<RedisOptions>().ShardedPubSub
            && redis.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster))
        {
            LogClassicPubSubOnCluster(app.Logger);
        }

        // From now on, the socket.io emitter's messages and other nodes' commands reach this node.
        _ = app.Services.GetService<EmitterListener>();
        _ = app.Services.GetRequiredService<IClusterCommands>();

        if (!app.Services.GetRequiredService<ApiKey>().IsConfigured)
        {
            LogNoApiKey(app.Logger);
        }

        if (options.Proxy.Connect.Enabled && app.Services.GetRequiredService<IOptions<EngineIoOptions>>().Value.AllowedOrigins.Count == 0)
        {
            LogAnyOrigin(app.Logger);
        }

        app.UseWebSockets();
        app.Services.GetRequiredService<ClientBundle>().Map(app, "/socket.io");
        MapEngineIo(app, "/socket.io", engine);
        PublishEndpoints.Map(app);
        RoomEndpoints.Map(app);
        if (options.Sse.Enabled)
        {
            var sse = app.Services.GetRequiredService<SseEndpoint>();
            app.MapGet(options.Sse.Path, sse.HandleAsync);
            app.Lifetime.ApplicationStopping.Register(app.Services.GetRequiredService<SseHub>().EndAll);
        }

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () =>
            app.Lifetime.ApplicationStopping.IsCancellationRequested ? Results.Text("stopping", statusCode: StatusCodes.Status503ServiceUnavailable)
            : redis is { IsConnected: false } ? Results.Text("redis unreachable", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready"));
        var publisher = app.Services.GetRequiredService<Publisher>();
        app.MapGet("/metrics", () => Results.Text(PrometheusMetrics.Render(engine.Metrics, io, app.Services.GetRequiredService<SseHub>(), publisher, app.Services.GetRequiredService<RecoveryCounters>(), app.Services.GetRequiredService<QueueMetrics>()), PrometheusMetrics.ContentType));
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            engine.CloseAll();
            if (options.Recovery.Enabled && !app.Services.GetRequiredService<Recovery>().WaitForSaves(TimeSpan.FromSeconds(5)))
            {
                LogRecoverySavesPending(app.Logger);
            }
        });
        return app;
    }

    /// <summary>
    /// Maps an Engine.IO endpoint at <paramref name="path"/> (every method, the path and anything under it), and serves
    /// its connections below the HTTP layer when the host uses <see cref="UseDirectEngineIo"/>.
    /// </summary>
    public static void MapEngineIo(IEndpointRouteBuilder endpoints, string path, EngineIoServer engine)
    {
        endpoints.Map(path + "/{**rest}", engine.HandleRequestAsync);
        endpoints.ServiceProvider.GetService<DirectEngineIo>()?.Add(path, engine);
    }

    /// <summary>
    /// Serves the Engine.IO endpoints mapped later (<see cref="MapEngineIo"/>) below Kestrel's HTTP layer, on every
    /// endpoint Kestrel listens on: less memory per connection and cheaper requests (<see cref="DirectEngineIo"/>).
    /// Other requests are untouched. Connections over TLS reach it encrypted and so take the HTTP path. Configured by
    /// <c>Outcry:DirectWebSockets</c> (WebSocket connections), <c>Outcry:DirectPolling</c> (long-polling requests) and
    /// <c>Outcry:WriteToSocket</c> (<see cref="DirectEngineIo.WriteToSocket"/>), all on unless set to false; with all
    /// three on, <c>Outcry:DirectTransport</c> (on unless false) runs those WebSockets on their bare sockets, without
    /// Kestrel's transport (<see cref="DirectTransport"/>).
    /// </summary>
    public static IWebHostBuilder UseDirectEngineIo(this IWebHostBuilder host, IConfiguration configuration)
    {
        var direct = new DirectEngineIo
        {
            WebSockets = configuration.GetValue("Outcry:DirectWebSockets", true),
            Polling = configuration.GetValue("Outcry:DirectPolling", true),
            WriteToSocket = configuration.GetValue("Outcry:WriteToSocket", true),
        };
        if (!direct.WebSockets && !direct.Polling)
        {
            return host;
        }

        // Last registered, so Kestrel binds its TCP endpoints with it rather than with the socket transport.
        var transport = direct.ServesBareSockets && configuration.GetValue("Outcry:DirectTransport", true);
        host.ConfigureServices(services =>
        {
            services.AddSingleton(direct);
            if (transport)
            {
                services.AddSingleton<IConnectionListenerFactory, DirectTransport>();
            }
        });
        host.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection => direct.OnConnectionAsync(connection, next))));
        return host;
    }

    [LoggerMessage(1001, LogLevel.Warning, "Outcry:ApiKey is not set: the HTTP API and trusted sockets serve loopback callers only. Set a key before exposing this port.")]
    private static partial void LogNoApiKey(ILogger logger);

    [LoggerMessage(1002, LogLevel.Warning, "The connect proxy identifies clients by their cookies, but Outcry:EngineIO:AllowedOrigins is empty: any web site can open a connection with a visitor's cookies. List your site's origins.")]
    private static partial void LogAnyOrigin(ILogger logger);

    [LoggerMessage(1003, LogLevel.Warning, "Stopping: some recovery sessions were still being saved after 5 s; their clients will not recover on another node")]
    private static partial void LogRecoverySavesPending(ILogger logger);

    [LoggerMessage(1004, LogLevel.Warning, "Redis is a cluster but Outcry:Redis:ShardedPubSub is false: every publication crosses the whole cluster, and the API counts only some nodes' connections. Set it to true on every node (docs/scaling.md).")]
    private static partial void LogClassicPubSubOnCluster(ILogger logger);
}
