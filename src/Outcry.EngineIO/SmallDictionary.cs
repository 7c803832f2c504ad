using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Outcry.EngineIO;

/// <summary>
/// A string-keyed map for the few entries one connection keeps for its whole life (its handshake's headers and query,
/// its event handlers, its namespaces): an array searched in order. A <see cref="Dictionary{TKey,TValue}"/> of the
/// same entries takes two to three times the memory, times every idle connection. Not synchronised: callers lock
/// around changes, or only read once it is built.
/// </summary>
public sealed class SmallDictionary<TValue> : IReadOnlyDictionary<string, TValue>
{
    private readonly StringComparer _comparer;
    private KeyValuePair<string, TValue>[] _entries;
    private int _count;

    public SmallDictionary(StringComparer comparer, int capacity = 0)
    {
        _comparer = comparer;
        _entries = capacity == 0 ? [] : new KeyValuePair<string, TValue>[capacity];
    }

    /// <summary>A map of <paramref name="entries"/>, exactly sized; a later entry of a key replaces an earlier one.</summary>
    public SmallDictionary(StringComparer comparer, IEnumerable<KeyValuePair<string, TValue>> entries)
        : this(comparer, entries.TryGetNonEnumeratedCount(out var count) ? count : 0)
    {
        foreach (var (key, value) in entries)
        {
            Set(key, value);
        }

        if (_entries.Length > _count)
        {
            Array.Resize(ref _entries, _count);
        }
    }

    public int Count => _count;

    public TValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the map.");

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<TValue> Values => this.Select(p => p.Value);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _entries[index].Value : default;
        return index >= 0;
    }

    /// <summary>Adds <paramref name="key"/>, or replaces its value.</summary>
    public void Set(string key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var index = IndexOf(key);
        if (index >= 0)
        {
            _entries[index] = new(_entries[index].Key, value);
            return;
        }

        if (_count == _entries.Length)
        {
            // Grows by one or two: these maps stay small, and spare room is what they exist to avoid.
            Array.Resize(ref _entries, _count < 4 ? _count + 1 : _count + 2);
        }

        _entries[_count++] = new(key, value);
    }

    public bool Remove(string key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        _count--;
        Array.Copy(_entries, index + 1, _entries, index, _count - index);
        _entries[_count] = default;
        return true;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _entries[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_comparer.Equals(_entries[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
