using Microsoft.Extensions.Options;
using Outcry.EngineIO;
using Outcry.SocketIO;

namespace Outcry.Server;

/// <summary>Wires the layers into an ASP.NET Core host: services from configuration, endpoints on the app.</summary>
public static class OutcryHost
{
    /// <summary>Registers the Engine.IO and Socket.IO servers, bound to the "Outcry:EngineIO" and "Outcry:SocketIO" sections.</summary>
    public static IServiceCollection AddOutcry(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EngineIoOptions>(configuration.GetSection("Outcry:EngineIO"));
        services.Configure<SocketIoOptions>(configuration.GetSection("Outcry:SocketIO"));
        services.AddSingleton(sp => new SocketIoServer(
            sp.GetRequiredService<IOptions<SocketIoOptions>>().Value,
            sp.GetRequiredService<ILogger<SocketIoServer>>()));
        services.AddSingleton(sp => new EngineIoServer(
            sp.GetRequiredService<IOptions<EngineIoOptions>>().Value,
            sp.GetRequiredService<SocketIoServer>(),
            sp.GetRequiredService<ILogger<EngineIoServer>>()));
        services.AddSingleton(_ => ClientBundle.FromAppDirectory());
        return services;
    }

    /// <summary>Maps /socket.io/ (and its client bundle), /healthz, /readyz and /metrics.</summary>
    public static WebApplication MapOutcry(this WebApplication app)
    {
        var engine = app.Services.GetRequiredService<EngineIoServer>();
        var io = app.Services.GetRequiredService<SocketIoServer>();
        app.UseWebSockets();
        app.Services.GetRequiredService<ClientBundle>().Map(app, "/socket.io");
        MapEngineIo(app, "/socket.io", engine);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => app.Lifetime.ApplicationStopping.IsCancellationRequested
            ? Results.Text("stopping", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready"));
        app.MapGet("/metrics", () => Results.Text(PrometheusMetrics.Render(engine.Metrics, io), PrometheusMetrics.ContentType));
        app.Lifetime.ApplicationStopping.Register(engine.CloseAll);
        return app;
    }

    /// <summary>Maps an Engine.IO endpoint at <paramref name="path"/> (every method, the path and anything under it).</summary>
    public static void MapEngineIo(IEndpointRouteBuilder endpoints, string path, EngineIoServer engine)
    {
        endpoints.Map(path + "/{**rest}", engine.HandleRequestAsync);
    }
}
