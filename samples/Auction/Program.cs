using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Auction.Lots;
using Auction.Push;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);
var config = builder.Configuration;
var siteUrl = config["urls"]?.Split(';')[0] ?? "http://localhost:5080";
builder.WebHost.UseUrls(siteUrl);

// Outcry: a running one (Outcry:Url + Outcry:ApiKey), or one embedded on its own port.
var outcryUrl = config["Outcry:Url"];
var apiKey = config["Outcry:ApiKey"];
WebApplication? embedded = null;
if (string.IsNullOrEmpty(outcryUrl))
{
    outcryUrl = config["Outcry:EmbeddedUrl"] ?? "http://localhost:5081";
    apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    embedded = await EmbeddedOutcry.StartAsync(outcryUrl, apiKey, siteUrl);
}

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new AuctionStore(config.GetConnectionString("Auction") ?? "Data Source=auction.db", config.GetValue<TimeSpan?>("Auction:SoftClose")));
builder.Services.AddHttpClient<OutcryPublisher>(http =>
{
    http.BaseAddress = new Uri(outcryUrl);
    http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
});
builder.Services.AddSingleton<Bidding>(sp => new Bidding(sp.GetRequiredService<AuctionStore>(), sp.GetRequiredService<OutcryPublisher>(), sp.GetRequiredService<TimeProvider>()));
builder.Services.AddHostedService<LotCloser>();
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
{
    o.Cookie.Name = "bidder";
    o.Events.OnRedirectToLogin = c =>
    {
        c.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    };
});
builder.Services.AddAuthorization();

var app = builder.Build();
var store = app.Services.GetRequiredService<AuctionStore>();
await store.InitializeAsync(Seed.Lots(DateTimeOffset.UtcNow, config.GetValue<TimeSpan?>("Auction:FirstLotEndsIn")));
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();

app.MapGet("/api/me", (ClaimsPrincipal user) => Results.Json(new { name = user.Identity?.IsAuthenticated == true ? user.Identity.Name : null }));

app.MapGet("/api/lots/{id:long}/picture.svg", async (long id, AuctionStore lots) =>
    await lots.LotAsync(id) is { } lot ? Results.Text(Picture.Of(lot), "image/svg+xml") : Results.NotFound());

app.MapGet("/api/lots", async (AuctionStore lots, TimeProvider time) =>
{
    var now = time.GetUtcNow();
    return Results.Json((await lots.LotsAsync()).Select(l => OutcryPublisher.StateOf(l, now)));
});

// The lot and its newest bids (?bids=N, 20 by default, at most 10000).
app.MapGet("/api/lots/{id:long}", async (long id, int? bids, AuctionStore lots, TimeProvider time) =>
    await lots.LotAsync(id) is { } lot
        ? Results.Json(new { lot = OutcryPublisher.StateOf(lot, time.GetUtcNow()), bids = await lots.BidsAsync(id, Math.Clamp(bids ?? 20, 1, 10_000)) })
        : Results.NotFound(new { error = "no such lot" }));

app.MapGet("/healthz", () => "ok");

// Sign in by name (a demo: no password), into a cookie that Outcry's connect proxy passes back to /outcry/connect.
app.MapPost("/api/signin", async (HttpContext http, SignIn body) =>
{
    var name = body.Name?.Trim();
    if (string.IsNullOrEmpty(name) || name.Length > 40)
    {
        return Results.BadRequest(new { error = "a name of 1 to 40 characters" });
    }

    await http.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme)));
    return Results.Ok(new { name });
});

app.MapPost("/api/lots/{id:long}/bids", async (long id, BidRequest body, ClaimsPrincipal user, Bidding bidding) =>
    Answer(await bidding.BidAsync(id, user.Identity!.Name!, body.Amount))).RequireAuthorization();

// Outcry's connect proxy: who is this connection? The bidder's cookie says; no cookie, an anonymous watcher.
app.MapPost("/outcry/connect", (ClaimsPrincipal user) => Results.Json(new { user = user.Identity?.IsAuthenticated == true ? user.Identity.Name : null }));

// Outcry's RPC proxy: the page's "bid" socket event (seed 001's postprice), answered as its ack.
app.MapPost("/outcry/rpc", async (RpcRequest rpc, ClaimsPrincipal user, Bidding bidding) =>
{
    if (user.Identity?.IsAuthenticated != true)
    {
        return Results.Json(new { ok = false, error = "sign in to bid" });
    }

    var lot = rpc.Data.TryGetProperty("lot", out var l) && l.TryGetInt64(out var lotId) ? lotId : 0;
    var amount = rpc.Data.TryGetProperty("amount", out var a) && a.TryGetInt64(out var value) ? value : 0;
    return Answer(await bidding.BidAsync(lot, user.Identity.Name!, amount));
});

app.MapGet("/api/config", () => Results.Json(new { outcry = outcryUrl }));

if (embedded is not null)
{
    app.Lifetime.ApplicationStopping.Register(() => embedded.StopAsync().GetAwaiter().GetResult());
}

// The line a new user looks for: where to open the site.
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"Auction: open {siteUrl} (Outcry at {outcryUrl}{(embedded is null ? "" : ", embedded")})"));
app.Run();

static IResult Answer(BidOutcome outcome) => outcome switch
{
    BidOutcome.Accepted a => Results.Json(new { ok = true, price = a.Lot.Price, endsAt = a.Lot.EndsAt }),
    BidOutcome.Rejected r => Results.Json(new { ok = false, error = r.Reason, minimumBid = r.Lot?.MinimumBid }, statusCode: r.Lot is null ? 404 : 409),
    _ => throw new InvalidOperationException(),
};

internal sealed record SignIn(string? Name);

internal sealed record BidRequest(long Amount);

internal sealed record RpcRequest(string Event, JsonElement Data);
