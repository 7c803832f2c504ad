using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Outcry.EngineIO;

namespace Outcry.SocketIO;

/// <summary>
/// A socket's free-form data (user id, …), safe to use from any thread. It holds the few entries a connection keeps in
/// about a third of a <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey,TValue}"/>'s memory, which
/// counts times every idle connection. Enumerating gives a snapshot.
/// </summary>
public sealed class SocketData : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly SmallDictionary<object?> _entries = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Reads (throws <see cref="KeyNotFoundException"/> for a missing key), or adds or replaces.</summary>
    public object? this[string key]
    {
        get
        {
            lock (_entries)
            {
                return _entries[key];
            }
        }

        set
        {
            lock (_entries)
            {
                _entries.Set(key, value);
            }
        }
    }

    public bool ContainsKey(string key)
    {
        lock (_entries)
        {
            return _entries.ContainsKey(key);
        }
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(key, out value);
        }
    }

    /// <summary>The value of <paramref name="key"/>, added first from <paramref name="create"/> (called under the lock, once) when missing.</summary>
    public object? GetOrAdd(string key, Func<string, object?> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var value))
            {
                value = create(key);
                _entries.Set(key, value);
            }

            return value;
        }
    }

    public bool TryRemove(string key, out object? value)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(key, out value) && _entries.Remove(key);
        }
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        KeyValuePair<string, object?>[] snapshot;
        lock (_entries)
        {
            snapshot = [.. _entries];
        }

        return ((IEnumerable<KeyValuePair<string, object?>>)snapshot).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
