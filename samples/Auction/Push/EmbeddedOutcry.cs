using Outcry.Server;

namespace Auction.Push;

/// <summary>
/// An Outcry started inside this process on its own port, for the one-command demo. The site still talks to it only as
/// it would to a remote one: its HTTP API, and the official browser client in the pages. Outcry asks the site who a
/// connection is (the connect proxy, with the bidder's cookie) and forwards "bid" events to it (the RPC proxy).
/// </summary>
public static class EmbeddedOutcry
{
    public static async Task<WebApplication> StartAsync(string url, string apiKey, string siteUrl, CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outcry:ApiKey"] = apiKey,
            ["Outcry:Proxy:Connect:Url"] = siteUrl + "/outcry/connect",
            ["Outcry:Proxy:Rpc:Url"] = siteUrl + "/outcry/rpc",
            ["Outcry:Proxy:Rpc:Events:0"] = "bid",
            ["Outcry:Presence:Events:0"] = "lot:*",
            ["Outcry:EngineIO:AllowedOrigins:0"] = siteUrl,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls(url);
        builder.Services.AddOutcry(builder.Configuration);
        var app = builder.Build();
        app.MapOutcry();
        await app.StartAsync(cancel).ConfigureAwait(false);
        return app;
    }
}
