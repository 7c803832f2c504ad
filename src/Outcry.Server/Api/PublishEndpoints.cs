using System.Text;
using System.Text.Json;
using Outcry.Core;
using Outcry.EngineIO;
using Outcry.Server.Auth;
using Outcry.Server.Push;
using Outcry.SocketIO;

namespace Outcry.Server.Api;

/// <summary>
/// The backend's HTTP API: publish to rooms, users or everyone; subscribe and disconnect connections; stats; and seed
/// 000's <c>POST /pub</c>. Every call presents the API key (or comes from loopback when none is configured).
/// </summary>
internal static class PublishEndpoints
{
    public static void Map(WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutcryOptions>>().Value;
        var apiKey = app.Services.GetRequiredService<ApiKey>();
        var publisher = app.Services.GetRequiredService<Publisher>();
        var io = app.Services.GetRequiredService<SocketIoServer>();
        var engine = app.Services.GetRequiredService<EngineIoServer>();
        var max = options.Api.MaxBodyBytes;

        var api = app.MapGroup("").AddEndpointFilter(apiKey.FilterAsync).AddEndpointFilter(UnavailableAsync);

        api.MapPost("/api/publish", Json(max, async (http, body) =>
        {
            var publication = PublicationEnvelope.Read(body, out var error);
            if (publication is null)
            {
                return ApiError.BadRequest(error);
            }

            var result = await publisher.PublishAsync(publication, PublishSource.Http, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(Answer(result), JsonDefaults.Options);
        }));

        api.MapPost("/api/publish/batch", Json(max, async (_, body) =>
        {
            if (body.ValueKind != JsonValueKind.Array)
            {
                return ApiError.BadRequest("a batch is a JSON array of publications");
            }

            if (body.GetArrayLength() > options.Api.MaxBatch)
            {
                return ApiError.BadRequest($"a batch holds at most {options.Api.MaxBatch} publications");
            }

            // All or nothing: every publication is checked before the first is published.
            var publications = new List<Publication>();
            foreach (var item in body.EnumerateArray())
            {
                var publication = PublicationEnvelope.Read(item, out var error);
                if (publication is null)
                {
                    return ApiError.BadRequest($"[{publications.Count}]: {error}");
                }

                publications.Add(publication);
            }

            var results = new List<object>(publications.Count);
            foreach (var publication in publications)
            {
                var result = await publisher.PublishAsync(publication, PublishSource.Http, CancellationToken.None).ConfigureAwait(false);
                // JsonDefaults leaves nulls out: "duplicate" only for a duplicate, "offset" not for a volatile one.
                results.Add(new { offset = result.Position?.ToString(), recipients = result.Recipients, duplicate = result.Duplicate ? true : (bool?)null });
            }

            return Results.Json(new { ok = true, results }, JsonDefaults.Options);
        }));

        // Seed 000's push API, unchanged: {itemId, channel, message} as JSON or as PHP's http_build_query form.
        api.MapPost("/pub", async (HttpContext http) =>
        {
            var bytes = await BoundedBody.ReadAsync(http.Request, max, http.RequestAborted).ConfigureAwait(false);
            if (bytes is null)
            {
                return ApiError.TooLarge(max);
            }

            JsonElement body;
            if (http.Request.HasFormContentType)
            {
                try
                {
                    body = JsonSerializer.SerializeToElement(PhpForm.Parse(Encoding.UTF8.GetString(bytes)));
                }
                catch (Exception e) when (e is FormatException or InvalidDataException)
                {
                    return ApiError.BadRequest("data error: " + e.Message);
                }
            }
            else if (RequestBody.ParseJson(bytes, out var jsonError) is { } json)
            {
                body = json;
            }
            else
            {
                return ApiError.BadRequest("data error: " + jsonError, "invalid_json");
            }

            if (body.ValueKind != JsonValueKind.Object)
            {
                return ApiError.BadRequest("data error: expected {itemId, channel, message}");
            }

            var publication = PublicationEnvelope.Read(SeedEnvelope(body), out var error);
            if (publication is null)
            {
                return ApiError.BadRequest("data error: " + error);
            }

            await publisher.PublishAsync(publication, PublishSource.Http, http.RequestAborted).ConfigureAwait(false);
            return Results.Text("ok");
        });

        var cluster = app.Services.GetRequiredService<IClusterCommands>();
        api.MapPost("/api/subscribe", Json(max, (_, body) => Membership(cluster, body, join: true)));
        api.MapPost("/api/unsubscribe", Json(max, (_, body) => Membership(cluster, body, join: false)));
        api.MapPost("/api/disconnect", Json(max, async (_, body) =>
        {
            if (!TrySelect(body, out var selection, out var error))
            {
                return ApiError.BadRequest(error);
            }

            var count = await cluster.RunAsync(selection with { Kind = ConnectionCommandKind.Disconnect }).ConfigureAwait(false);
            return Results.Json(new { ok = true, connections = count }, JsonDefaults.Options);
        }));

        var sse = app.Services.GetRequiredService<Sse.SseHub>();
        api.MapGet("/api/stats", () => Results.Json(Stats(io, engine, sse), JsonDefaults.Options));
    }

    // What the engine cannot do now (Redis unreachable) is answered 503, so the backend retries; in a batch, the
    // publications before it were published.
    internal static async ValueTask<object?> UnavailableAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            return ApiError.Unavailable(e.Message);
        }
    }

    /// <summary>{"ok":true,"offset":"…","recipients":N} (no offset for a volatile publication).</summary>
    // "duplicate": true only when the id was published before (the offset is then the first one's). Also the ack of
    // a trusted socket's publish, whose serializer writes nulls: no "duplicate" member at all otherwise.
    internal static object Answer(PublishResult result) => result.Duplicate
        ? new { ok = true, offset = result.Position?.ToString(), recipients = result.Recipients, duplicate = true }
        : new { ok = true, offset = result.Position?.ToString(), recipients = result.Recipients };

    // {"itemId":100,"channel":"auction","message":{…}} → {"room":"100","event":"auction","data":{…}}
    private static JsonElement SeedEnvelope(JsonElement body)
    {
        var envelope = new Dictionary<string, JsonElement>();
        if (body.TryGetProperty("itemId", out var room))
        {
            envelope["room"] = room;
        }

        if (body.TryGetProperty("channel", out var channel))
        {
            envelope["event"] = channel;
        }

        if (body.TryGetProperty("message", out var message))
        {
            envelope["data"] = message;
        }

        return JsonSerializer.SerializeToElement(envelope);
    }

    // {user | connection, room | rooms[], namespace?} → the selected connections join (or leave) the rooms, and
    // get their current state. The backend decides, so private rooms are allowed here.
    private static async Task<IResult> Membership(IClusterCommands cluster, JsonElement body, bool join)
    {
        if (!TrySelect(body, out var selection, out var error))
        {
            return ApiError.BadRequest(error);
        }

        var rooms = new List<string>();
        if (body.TryGetProperty("room", out var room) && room.ValueKind == JsonValueKind.String)
        {
            rooms.Add(room.GetString()!);
        }

        if (body.TryGetProperty("rooms", out var many) && many.ValueKind == JsonValueKind.Array)
        {
            rooms.AddRange(many.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
        }

        if (rooms.Count == 0)
        {
            return ApiError.BadRequest("name the room or rooms");
        }

        if (rooms.Select(r => RoomNames.Validate(r)).FirstOrDefault(e => e is not null) is { } invalid)
        {
            return ApiError.BadRequest(invalid);
        }

        // On every node: the user's or connection's sockets join (with the rooms' current state) or leave.
        var kind = join ? ConnectionCommandKind.Join : ConnectionCommandKind.Leave;
        var count = await cluster.RunAsync(selection with { Kind = kind, Names = rooms }).ConfigureAwait(false);
        return Results.Json(new { ok = true, connections = count }, JsonDefaults.Options);
    }

    // {user: "42"} → every connection of that user (its user:42 room); {connection: "<socket id>"} → that one (a
    // connection id is a room of its own); in the given namespace, or in every namespace when none is named.
    private static bool TrySelect(JsonElement body, out ConnectionCommand selection, out string error)
    {
        selection = null!;
        error = "";
        if (body.ValueKind != JsonValueKind.Object)
        {
            error = "expected a JSON object";
            return false;
        }

        var user = StringOrNumber(body, "user");
        var connection = StringOrNumber(body, "connection");
        if ((user is null) == (connection is null))
        {
            error = "name exactly one of user or connection";
            return false;
        }

        selection = new ConnectionCommand
        {
            Kind = ConnectionCommandKind.Join,
            Namespace = StringOrNumber(body, "namespace"),
            Rooms = [user is not null ? RoomNames.ForUser(user) : connection!],
        };
        return true;
    }

    private static string? StringOrNumber(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) ? PublicationEnvelope.StringOrNumber(value) : null;

    private static long ManagedHeap()
    {
        var last = GC.GetGCMemoryInfo();
        return last.Index > 0 ? last.HeapSizeBytes : GC.GetTotalMemory(forceFullCollection: false);
    }

    private static object Stats(SocketIoServer io, EngineIoServer engine, Sse.SseHub sse) => new
    {
        connections = new
        {
            websocket = engine.Metrics.CurrentWebSocketConnections,
            polling = engine.Metrics.CurrentPollingConnections,
            sse = sse.Count,
        },
        namespaces = io.Namespaces.ToDictionary(n => n.Name, n => new { sockets = n.Sockets.Count, rooms = n.RoomCount }),
        // The resident set now, and the managed heap as the last garbage collection left it (before the first one,
        // which the workstation GC may not have run yet, what is allocated).
        memory = new { rss = Environment.WorkingSet, managedHeap = ManagedHeap() },
    };

    // A handler of a JSON body, bounded by max; typed as Delegate so minimal APIs write the IResult it returns.
    private static Delegate Json(int max, Func<HttpContext, JsonElement, Task<IResult>> handle) => async (HttpContext http) =>
    {
        var bytes = await BoundedBody.ReadAsync(http.Request, max, http.RequestAborted).ConfigureAwait(false);
        if (bytes is null)
        {
            return ApiError.TooLarge(max);
        }

        return RequestBody.ParseJson(bytes, out var error) is { } body ? await handle(http, body).ConfigureAwait(false) : ApiError.BadRequest(error, "invalid_json");
    };
}
