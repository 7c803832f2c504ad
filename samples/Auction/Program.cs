using Auction.Lots;

var builder = WebApplication.CreateBuilder(args);
var store = new AuctionStore(builder.Configuration.GetConnectionString("Auction") ?? "Data Source=auction.db");
builder.Services.AddSingleton(store);

var app = builder.Build();
await store.InitializeAsync(Seed.Lots(DateTimeOffset.UtcNow));
app.MapGet("/api/lots", async (AuctionStore lots) => Results.Json(await lots.LotsAsync()));
app.Run();
