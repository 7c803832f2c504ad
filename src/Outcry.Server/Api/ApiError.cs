namespace Outcry.Server.Api;

/// <summary>The HTTP API's error answer: <c>{"error":{"code":"…","message":"…"}}</c> with a status that says the same.</summary>
internal static class ApiError
{
    public static IResult BadRequest(string message, string code = "invalid_request") => Make(StatusCodes.Status400BadRequest, code, message);

    public static IResult Unauthorized() => Make(StatusCodes.Status401Unauthorized, "unauthorized", "missing or wrong API key");

    public static IResult LoopbackOnly() =>
        Make(StatusCodes.Status401Unauthorized, "unauthorized", "no API key is configured (Outcry:ApiKey), so only loopback callers are served");

    public static IResult TooLarge(int max) => Make(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"the request body is larger than {max} bytes");

    /// <summary>The engine cannot do it now (Redis unreachable): nothing was published or read; retry.</summary>
    public static IResult Unavailable(string message) => Make(StatusCodes.Status503ServiceUnavailable, "unavailable", message);

    public static IResult NotFound(string message) => Make(StatusCodes.Status404NotFound, "not_found", message);

    public static IResult Make(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, JsonDefaults.Options, statusCode: status);
}
