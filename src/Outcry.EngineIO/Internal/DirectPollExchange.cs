using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// A polling request read below Kestrel's HTTP layer (<see cref="DirectEngineIo"/>): its head is consumed, its body
/// (<paramref name="contentLength"/> bytes) is next on <paramref name="input"/>, and its answer is written to
/// <paramref name="output"/> as a keep-alive HTTP/1.1 response. It keeps none of the head: a held GET costs little.
/// </summary>
internal sealed class DirectPollExchange(
    string? contentType,
    int contentLength,
    IReadOnlyList<KeyValuePair<string, string>> cors,
    PipeReader input,
    DuplexPipeStream output,
    TimeSpan bodyTimeout,
    CancellationToken aborted) : PollExchange
{
    public override CancellationToken Aborted => aborted;

    public override string? ContentType => contentType;

    /// <summary>Whether the answer went out whole, so the connection can carry the next request.</summary>
    public bool Responded { get; private set; }

    public override async Task<byte[]?> ReadBodyAsync(int max)
    {
        var length = contentLength;
        if (length > max)
        {
            // Not admitted (the HTTP layer answers 413 and drains the body); kept for the contract.
            return null;
        }

        // As Kestrel's minimum data rate would: a body that does not arrive in time ends the connection.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(bodyTimeout);
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= length)
            {
                var body = buffer.Slice(0, length).ToArray();
                input.AdvanceTo(buffer.GetPosition(length));
                return body;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("the connection ended inside a request body");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public override async Task RespondAsync(int status, string? contentType, ReadOnlyMemory<byte> body, bool noStore = false)
    {
        var head = new StringBuilder(160).Append("HTTP/1.1 ").Append(status).Append(' ').Append(ReasonPhrases.GetReasonPhrase(status)).Append("\r\n");
        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        if (noStore)
        {
            head.Append("Cache-Control: no-store\r\n");
        }

        foreach (var (name, value) in cors)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");

        // One write, so the answer leaves in one segment.
        var text = head.ToString();
        var bytes = new byte[Encoding.ASCII.GetByteCount(text) + body.Length];
        var written = Encoding.ASCII.GetBytes(text, bytes);
        body.CopyTo(bytes.AsMemory(written));
        await output.WriteAsync(bytes, aborted).ConfigureAwait(false);
        Responded = true;
    }
}
