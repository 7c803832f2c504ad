using Outcry.Core;
using Outcry.Server.Auth;

namespace Outcry.Server.Api;

/// <summary>
/// What the backend can ask about a room: <c>GET /api/rooms/{room}/history?since=&amp;limit=&amp;namespace=</c> and
/// <c>GET /api/rooms/{room}/state</c> and <c>GET /api/rooms/{room}/presence?limit=&amp;namespace=</c>. Room names go URL-encoded in the path.
/// </summary>
internal static class RoomEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;
    private const int DefaultUserLimit = 1000;
    private const int MaxUserLimit = 100_000;

    public static void Map(WebApplication app)
    {
        var apiKey = app.Services.GetRequiredService<ApiKey>();
        var history = app.Services.GetRequiredService<IHistoryStore>();
        var presence = app.Services.GetRequiredService<IPresenceStore>();
        var rooms = app.MapGroup("/api/rooms/{room}").AddEndpointFilter(apiKey.FilterAsync).AddEndpointFilter(PublishEndpoints.UnavailableAsync);

        rooms.MapGet("/history", async (string room, string? since, int? limit, string? @namespace, CancellationToken cancel) =>
        {
            if (RoomNames.Validate(room) is { } invalid)
            {
                return ApiError.BadRequest(invalid);
            }

            StreamPosition? position = null;
            if (!string.IsNullOrEmpty(since))
            {
                if (!StreamPosition.TryParse(since, out var parsed))
                {
                    return ApiError.BadRequest("since is not an offset this server gave");
                }

                position = parsed;
            }

            if (limit is < 1 or > MaxLimit)
            {
                return ApiError.BadRequest($"limit must be between 1 and {MaxLimit}");
            }

            var nsp = @namespace ?? "/";
            var page = await history.ReadAsync(nsp, room, position, limit ?? DefaultLimit, cancel).ConfigureAwait(false);
            return Results.Json(new
            {
                room,
                @namespace = nsp,
                complete = page.Complete,
                more = page.More,
                latest = page.Latest.ToString(),
                publications = page.Items.Select(View),
            }, JsonDefaults.Options);
        });

        rooms.MapGet("/state", async (string room, string? @namespace, CancellationToken cancel) =>
        {
            if (RoomNames.Validate(room) is { } invalid)
            {
                return ApiError.BadRequest(invalid);
            }

            var nsp = @namespace ?? "/";
            var state = await history.StateAsync(nsp, room, cancel).ConfigureAwait(false);
            return Results.Json(new { room, @namespace = nsp, state = state.ToDictionary(p => p.Key!, View) }, JsonDefaults.Options);
        });

        // count: connections; userCount: distinct users; users: at most limit of them (userCount says whether that is all).
        rooms.MapGet("/presence", async (string room, int? limit, string? @namespace, CancellationToken cancel) =>
        {
            if (RoomNames.Validate(room) is { } invalid)
            {
                return ApiError.BadRequest(invalid);
            }

            if (limit is < 0 or > MaxUserLimit)
            {
                return ApiError.BadRequest($"limit must be between 0 and {MaxUserLimit}");
            }

            var nsp = @namespace ?? "/";
            var now = await presence.GetAsync(nsp, room, limit ?? DefaultUserLimit, cancel).ConfigureAwait(false);
            return Results.Json(new { room, @namespace = nsp, count = now.Count, userCount = now.UserCount, users = now.Users }, JsonDefaults.Options);
        });
    }

    private static object View(Publication p) => new
    {
        offset = p.Position?.ToString(),
        @event = p.Event,
        data = JsonValues.OrNull(p.Data),
        key = p.Key,
        time = p.Time,
    };
}
