using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Outcry.Server.Api;

/// <summary>
/// Reads an <c>application/x-www-form-urlencoded</c> body the way PHP's <c>http_build_query</c> writes nested arrays
/// (<c>message[price]=120&amp;message[bids][0]=1</c>) into a JSON object, as seed 000's PHP backend posts to
/// <c>/pub</c>. Values stay strings, as every form value is; an array whose keys are exactly 0…n-1 becomes a list.
/// </summary>
internal static class PhpForm
{
    private const int MaxDepth = 32;

    public static JsonObject Parse(string body)
    {
        var root = new JsonObject();
        var reader = new FormReader(body);
        while (reader.ReadNextPair() is { } pair)
        {
            var path = SplitKey(pair.Key);
            if (path is null)
            {
                throw new FormatException($"malformed form key '{pair.Key}'");
            }

            Assign(root, path, pair.Value);
        }

        return Listify(root) as JsonObject ?? throw new FormatException("the form must have named fields");
    }

    // "message[bidder][name]" → ["message", "bidder", "name"]; "a[]" appends (the key is "").
    private static List<string>? SplitKey(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return [key];
        }

        var parts = new List<string> { key[..open] };
        var i = open;
        while (i < key.Length)
        {
            if (key[i] != '[')
            {
                return null;
            }

            var close = key.IndexOf(']', i);
            if (close < 0 || parts.Count > MaxDepth)
            {
                return null;
            }

            parts.Add(key[(i + 1)..close]);
            i = close + 1;
        }

        return parts[0].Length == 0 ? null : parts;
    }

    private static void Assign(JsonObject node, List<string> path, string value)
    {
        for (var i = 0; i < path.Count - 1; i++)
        {
            var key = path[i].Length == 0 ? node.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : path[i];
            if (node[key] is not JsonObject child)
            {
                child = [];
                node[key] = child;
            }

            node = child;
        }

        var last = path[^1].Length == 0 ? node.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : path[^1];
        node[last] = value;
    }

    private static JsonNode Listify(JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return node;
        }

        var entries = obj.ToList();
        obj.Clear();
        var isList = entries.Count > 0;
        for (var i = 0; i < entries.Count; i++)
        {
            isList &= entries[i].Key == i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (isList)
        {
            return new JsonArray([.. entries.Select(e => Listify(e.Value!))]);
        }

        foreach (var (key, value) in entries)
        {
            obj[key] = value is null ? null : Listify(value);
        }

        return obj;
    }
}
