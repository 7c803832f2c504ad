using Outcry.SocketIO;

namespace Outcry.Server.Auth;

/// <summary>
/// Why a connection was refused, as the client sees it in <c>connect_error</c>: <c>err.message</c> is the human
/// sentence, <c>err.data.code</c> the stable machine code.
/// </summary>
internal static class AuthFailure
{
    public static ConnectionRejectedException Reject(string code, string message) => new(message, new { code });
}
