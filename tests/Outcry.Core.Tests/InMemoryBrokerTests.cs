namespace Outcry.Core.Tests;

public sealed class InMemoryBrokerTests : BrokerContract, IDisposable
{
    private readonly InMemoryHistoryStore _history = new(new HistoryOptions());

    public void Dispose() => _history.Dispose();

    protected override Task<(IBroker Broker, IHistoryStore History)> NodeAsync(IPublicationSink sink) =>
        Task.FromResult<(IBroker, IHistoryStore)>((new InMemoryBroker(_history, sink), _history));
}
