using System.Globalization;
using System.Security.Cryptography;

namespace Outcry.Core;

/// <summary>
/// Where a publication stands: the history's epoch (a new one whenever the history was lost or reset, so a client
/// holding an old position learns that it cannot be resumed exactly) and a sequence number that grows with every
/// publication. Clients see it as one opaque string, <c>{epoch}-{sequence}</c>.
/// </summary>
public readonly record struct StreamPosition(string Epoch, long Sequence)
{
    /// <summary>A fresh random epoch: 12 hex digits.</summary>
    public static string NewEpoch()
    {
        Span<byte> bytes = stackalloc byte[6];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexString(bytes).ToLowerInvariant();
    }

    public override string ToString() => Epoch + "-" + Sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads an offset a client sent back; false for anything this server did not write.</summary>
    public static bool TryParse(string? text, out StreamPosition position)
    {
        position = default;
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        position = new StreamPosition(text![..dash], sequence);
        return true;
    }
}
