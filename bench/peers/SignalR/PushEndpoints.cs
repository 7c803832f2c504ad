using System.Runtime;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

namespace SignalRPeer;

// The HTTP side of the peer contract, shared with bench/peers/socketio/server.js:
//   POST /pub        {"itemId": "5" | 5, "channel": "m", "message": <any JSON>} → group String(itemId)
//   POST /pub/all    {"channel": "m", "message": <any JSON>}                    → every connection
//   POST /pub/batch  [<a /pub body>, …]                                          → each, in order
//   GET  /gc         full blocking GC, then {"rss": <bytes>, "heap": <bytes>}
//   GET  /healthz    ok
internal static class PushEndpoints
{
    private static readonly IResult Ok = Results.Text("ok", "text/plain");

    public static IEndpointRouteBuilder MapPushEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/pub", (HttpRequest request, IHubContext<PushHub> hub) => PublishAsync(request, hub, toRoom: true));
        endpoints.MapPost("/pub/all", (HttpRequest request, IHubContext<PushHub> hub) => PublishAsync(request, hub, toRoom: false));
        endpoints.MapPost("/pub/batch", PublishBatchAsync);
        endpoints.MapGet("/gc", CollectGarbage);
        endpoints.MapGet("/healthz", () => Ok);
        return endpoints;
    }

    // One publication, to its room (/pub) or to every connection (/pub/all).
    private static async Task<IResult> PublishAsync(HttpRequest request, IHubContext<PushHub> hub, bool toRoom)
    {
        (JsonElement body, IResult? failure) = await ReadJsonAsync(request);
        if (failure is not null)
        {
            return failure;
        }

        if (!Publication.TryParse(body, withRoom: toRoom, out Publication publication, out string error))
        {
            return BadRequest(error);
        }

        IClientProxy clients = toRoom ? hub.Clients.Group(publication.Room!) : hub.Clients.All;
        await clients.SendAsync(publication.Channel, publication.Message, request.HttpContext.RequestAborted);
        return Ok;
    }

    private static async Task<IResult> PublishBatchAsync(HttpRequest request, IHubContext<PushHub> hub)
    {
        (JsonElement body, IResult? failure) = await ReadJsonAsync(request);
        if (failure is not null)
        {
            return failure;
        }

        if (body.ValueKind != JsonValueKind.Array)
        {
            return BadRequest("body must be a JSON array");
        }

        // Validate the whole batch first so a bad entry does not leave it half published.
        var publications = new List<Publication>(body.GetArrayLength());
        foreach (JsonElement item in body.EnumerateArray())
        {
            if (!Publication.TryParse(item, withRoom: true, out Publication publication, out string error))
            {
                return BadRequest(error);
            }

            publications.Add(publication);
        }

        // Awaited one by one: each send has reached every connection's pipe before the next starts,
        // so every client sees the batch in order.
        foreach (Publication publication in publications)
        {
            await hub.Clients.Group(publication.Room!).SendAsync(publication.Channel, publication.Message, request.HttpContext.RequestAborted);
        }

        return Ok;
    }

    private static IResult CollectGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Again, for whatever the finalizers released.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        // Environment.WorkingSet is the resident set size on Linux, as process.memoryUsage().rss is for Node.
        return Results.Json(new MemoryReport(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false)));
    }

    // A JsonElement from JsonSerializer owns a copy of its bytes, so it stays valid for as long as
    // SignalR needs it to serialize the invocation, after this method has returned.
    private static async Task<(JsonElement Body, IResult? Failure)> ReadJsonAsync(HttpRequest request)
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: request.HttpContext.RequestAborted), null);
        }
        catch (JsonException)
        {
            return (default, BadRequest("malformed JSON"));
        }
        catch (BadHttpRequestException e)
        {
            // Above Kestrel's MaxRequestBodySize (30,000,000 bytes): 413, as the socket.io peer answers.
            return (default, Results.Text(e.Message, "text/plain", statusCode: e.StatusCode));
        }
    }

    private static IResult BadRequest(string error) => Results.Text(error, "text/plain", statusCode: StatusCodes.Status400BadRequest);

    private sealed record MemoryReport(long Rss, long Heap);
}
