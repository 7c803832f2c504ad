using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO.Tests;

public class DetachedTimerTests
{
    private static readonly AsyncLocal<string?> Request = new();

    [Fact]
    public async Task TheCallbackDoesNotSeeOrKeepTheCreatorsContext()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Request.Value = "handshake request";
        using var timer = DetachedTimer.Create(TimeProvider.System, s => ((TaskCompletionSource<string?>)s!).TrySetResult(Request.Value), seen, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Null(await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(ExecutionContext.IsFlowSuppressed()); // the creator's flow is restored
    }

    [Fact]
    public async Task WorksWhereFlowIsAlreadySuppressed()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Request.Value = "handshake request";
        ITimer timer;
        using (ExecutionContext.SuppressFlow())
        {
            timer = DetachedTimer.Create(TimeProvider.System, s => ((TaskCompletionSource<string?>)s!).TrySetResult(Request.Value), seen, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            Assert.True(ExecutionContext.IsFlowSuppressed());
        }

        using (timer)
        {
            Assert.Null(await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }
}
