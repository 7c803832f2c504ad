using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Outcry.Server;

/// <summary>
/// Serves the official socket.io-client browser bundle, as the reference server does at
/// /socket.io/socket.io.js: ETag is the client version, so a cached copy is revalidated with a 304.
/// </summary>
public sealed class ClientBundle
{
    private static readonly string[] Files = ["socket.io.js", "socket.io.min.js", "socket.io.js.map", "socket.io.min.js.map"];
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public ClientBundle(string directory)
    {
        var manifest = Path.Combine(directory, "package.json");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"The socket.io-client bundle is missing from {directory}; it is fetched by the build (npm ci in src/Outcry.Server/client).", manifest);
        }

        using (var json = JsonDocument.Parse(File.ReadAllBytes(manifest)))
        {
            Version = json.RootElement.GetProperty("version").GetString() ?? "unknown";
        }

        foreach (var file in Files)
        {
            _files[file] = File.ReadAllBytes(Path.Combine(directory, file));
        }

        ETag = "\"" + Version + "\"";
    }

    /// <summary>The socket.io-client version served.</summary>
    public string Version { get; }

    public string ETag { get; }

    public static ClientBundle FromAppDirectory() => new(Path.Combine(AppContext.BaseDirectory, "client"));

    /// <summary>Maps GET and HEAD {prefix}/socket.io.js, .min.js and their source maps.</summary>
    public void Map(IEndpointRouteBuilder endpoints, string prefix)
    {
        foreach (var (name, bytes) in _files)
        {
            var type = name.EndsWith(".map", StringComparison.Ordinal) ? "application/json; charset=utf-8" : "application/javascript; charset=utf-8";
            endpoints.MapMethods(prefix + "/" + name, ["GET", "HEAD"], context => Serve(context, bytes, type));
        }
    }

    private Task Serve(HttpContext context, byte[] bytes, string contentType)
    {
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=0";
        response.Headers.ETag = ETag;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch == ETag || ifNoneMatch == "*" || EntityTagHeaderValue.ParseList([ifNoneMatch]).Any(t => t.Tag == ETag)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(bytes, 0, bytes.Length);
    }
}
