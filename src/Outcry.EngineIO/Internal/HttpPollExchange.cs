using Microsoft.AspNetCore.Http;

namespace Outcry.EngineIO.Internal;

/// <summary>A polling request that came through ASP.NET Core (<see cref="EngineIoServer.HandleRequestAsync"/>).</summary>
internal sealed class HttpPollExchange(HttpContext context) : PollExchange
{
    public override CancellationToken Aborted => context.RequestAborted;

    public override string? ContentType => context.Request.ContentType;

    public override Task<byte[]?> ReadBodyAsync(int max) => BoundedBody.ReadAsync(context.Request, max, context.RequestAborted);

    public override Task RespondAsync(int status, string? contentType, ReadOnlyMemory<byte> body, bool noStore = false)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        if (noStore)
        {
            response.Headers.CacheControl = "no-store";
        }

        response.ContentLength = body.Length;
        return body.IsEmpty ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
