namespace Outcry.Core;

/// <summary>
/// The engine's store (Redis) cannot be reached. For a publication: nothing was kept or delivered, and the publisher
/// should retry (the HTTP API answers 503). For a read: the history, state, presence or a recovery session cannot be
/// told now.
/// </summary>
public sealed class EngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
