using Microsoft.AspNetCore.Http;

namespace Outcry.EngineIO;

/// <summary>Reads a whole HTTP request body while enforcing a size limit (polling POSTs, the host's HTTP API).</summary>
public static class BoundedBody
{
    /// <summary>Reads the whole body, or returns null as soon as it is known to exceed <paramref name="max"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int max, CancellationToken cancel)
    {
        if (request.ContentLength > max)
        {
            return null;
        }

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancel).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var bytes = System.Buffers.BuffersExtensions.ToArray(buffer);
                reader.AdvanceTo(buffer.End);
                return bytes;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
