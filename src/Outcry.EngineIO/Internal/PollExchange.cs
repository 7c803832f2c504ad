namespace Outcry.EngineIO.Internal;

/// <summary>
/// One long-polling request and its answer, whichever layer read the request: ASP.NET Core's
/// (<see cref="HttpPollExchange"/>) or the connection middleware below it (<see cref="DirectPollExchange"/>).
/// </summary>
internal abstract class PollExchange
{
    /// <summary>Cancelled when the client goes away.</summary>
    public abstract CancellationToken Aborted { get; }

    /// <summary>The request's Content-Type, if any.</summary>
    public abstract string? ContentType { get; }

    /// <summary>The whole request body, or null as soon as it is known to exceed <paramref name="max"/>.</summary>
    public abstract Task<byte[]?> ReadBodyAsync(int max);

    /// <summary>Answers the request: a status, and a body of <paramref name="contentType"/> unless it is empty.</summary>
    public abstract Task RespondAsync(int status, string? contentType, ReadOnlyMemory<byte> body, bool noStore = false);

    /// <summary>Answers with the reference server's error body, <c>{"code":…,"message":…}</c>.</summary>
    public Task RespondAsync(EngineIoError error) =>
        RespondAsync(EngineIoErrors.StatusCode(error), "application/json", EngineIoErrors.Body(error));
}
