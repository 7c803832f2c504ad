namespace Outcry.Core.Queues;

/// <summary>
/// How every queue consumer keeps consuming until the host stops: again after each end, with <see cref="Backoff"/>
/// while the queue's server is away, or every <c>standbyRetry</c> while another node consumes.
/// </summary>
public static class QueueConsumerLoop
{
    /// <param name="consume">Consumes until it ends; false at once when another node holds the queue.</param>
    /// <param name="standbyRetry">How often a node standing by tries to take the queue over.</param>
    /// <param name="standingBy">Told once each time the node starts standing by.</param>
    /// <param name="lost">Told why consuming stopped and when it is tried again.</param>
    /// <param name="stopping">The host stopping.</param>
    public static async Task RunAsync(
        Func<CancellationToken, Task<bool>> consume, TimeSpan standbyRetry, Action standingBy, Action<Exception, TimeSpan> lost, CancellationToken stopping)
    {
        var delay = Backoff.First;
        var waiting = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var consumed = await consume(stopping).ConfigureAwait(false);
                if (!consumed && !waiting)
                {
                    standingBy();
                }

                waiting = !consumed;
                delay = consumed ? Backoff.First : standbyRetry;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lost(e, delay);
                waiting = false;
            }

            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!waiting)
            {
                delay = Backoff.Next(delay);
            }
        }
    }
}
