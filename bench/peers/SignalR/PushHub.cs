using Microsoft.AspNetCore.SignalR;

namespace SignalRPeer;

// Clients never invoke anything; the hub only files each connection under its item's group.
// Connections arrive either negotiated or as a bare WebSocket to /hub?itemId=5 (skipNegotiation);
// in both cases the original request's query string is on Context.GetHttpContext().
internal sealed class PushHub : Hub
{
    public override async Task OnConnectedAsync()
    {
        // StringValues.ToString() joins repeated values with ',' — the same as String(array) in the socket.io peer.
        string? itemId = Context.GetHttpContext()?.Request.Query["itemId"].ToString();
        if (!string.IsNullOrEmpty(itemId))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, itemId);
        }

        await base.OnConnectedAsync();
    }
}
