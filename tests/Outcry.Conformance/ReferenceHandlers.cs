using Outcry.SocketIO;

namespace Outcry.Conformance;

/// <summary>
/// The socket.io-protocol suite's server on "/" and "/custom" (emit "auth" with the handshake auth;
/// "message" → "message-back"; "message-with-ack" acks its arguments), plus the events the
/// tests/clients suite drives: rooms, server → client acks, and both kinds of disconnect.
/// </summary>
internal static class ReferenceHandlers
{
    private static readonly TimeSpan ServerAckTimeout = TimeSpan.FromSeconds(2);

    public static void Attach(Namespace nsp) => nsp
        .On("whoami", (socket, _, ack) => Answer(ack, socket.Id))
        // Each socket's own "message-with-ack" handler (OnConnection) wins over this one.
        .On("message-with-ack", (_, _, ack) => Answer(ack, "namespace handler"))
        .OnConnection(OnConnection);

    private static Task Answer(Ack? ack, object answer)
    {
        ack?.Invoke(answer);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A namespace guarded by a middleware: auth {token:"secret"} is let in (and the middleware's choice of
    /// user is visible to handlers); anything else is refused with {message:"unauthorized", data:{code:401}}.
    /// </summary>
    public static void AttachPrivate(Namespace nsp)
    {
        nsp.Use(socket =>
        {
            var auth = socket.Handshake.Auth;
            if (!auth.TryGetProperty("token", out var token) || token.GetString() != "secret")
            {
                throw new ConnectionRejectedException("unauthorized", new { code = 401 });
            }

            socket.Data["user"] = "alice";
            return Task.CompletedTask;
        });
        nsp.Use(async socket =>
        {
            // An asynchronous middleware runs after the first, in order.
            await Task.Yield();
            socket.Data["checked"] = true;
        });
        nsp.OnConnection(socket =>
        {
            socket.Emit("welcome", socket.Data["user"], socket.Data["checked"], socket.Namespace.Name);
            OnConnection(socket);
        });
    }

    private static void OnConnection(SocketIoSocket socket)
    {
        socket.Emit("auth", socket.Handshake.Auth);
        socket.On("message", args => socket.Emit("message-back", args.ToEmitArgs()));
        socket.On("message-with-ack", (args, ack) => ack?.Invoke(args.ToEmitArgs()));
        socket.On("join", (args, ack) =>
        {
            socket.Join(args.GetString(0) ?? "");
            ack?.Invoke("joined");
        });
        socket.On("leave", (args, ack) =>
        {
            socket.Leave(args.GetString(0) ?? "");
            ack?.Invoke("left");
        });
        socket.On("emit-to-room", args =>
        {
            var rest = args.ToEmitArgs();
            socket.Namespace.To(args.GetString(0) ?? "").Emit(args.GetString(1) ?? "", rest[2..]);
        });
        socket.On("server-ack", async (args, _) =>
        {
            var rest = args.ToEmitArgs();
            try
            {
                var reply = await socket.EmitWithAckAsync(args.GetString(0) ?? "", ServerAckTimeout, rest[1..]);
                socket.Emit("server-ack-result", reply.ToEmitArgs());
            }
            catch (TimeoutException)
            {
                socket.Emit("server-ack-result", "timeout");
            }
        });
        socket.On("disconnect-me", _ => socket.Disconnect());
        socket.On("close-transport", _ => socket.Disconnect(close: true));
    }
}
