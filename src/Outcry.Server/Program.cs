using Outcry.Server;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // The seeds' push service listens on 3000; --urls (or ASPNETCORE_URLS) changes it.
    builder.WebHost.UseUrls("http://localhost:3000");
}

builder.Services.AddOutcry(builder.Configuration);
var app = builder.Build();
app.MapOutcry();
app.Run();
