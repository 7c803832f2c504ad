using System.Buffers.Text;
using System.Diagnostics;

namespace Outcry.Bench.Measure;

/// <summary>
/// The benchmark's message body, <c>{"s":seq,"t":intendedSendTime,"p":"xx…"}</c>, padded to an exact size. The time is
/// <see cref="Stopwatch"/> ticks — CLOCK_MONOTONIC nanoseconds on Linux, the same clock in every process of the machine —
/// and is the time the message was *meant* to be sent, so a publisher that falls behind shows up as latency.
/// </summary>
internal static class Stamp
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long MicrosBetween(long from, long to) => (to - from) * 1_000_000 / Stopwatch.Frequency;

    public static string Body(long seq, long intended, int size)
    {
        var head = $"{{\"s\":{seq},\"t\":{intended},\"p\":\"";
        return head + new string('x', Math.Max(0, size - head.Length - 2)) + "\"}";
    }

    /// <summary>Reads seq and time from an event's bytes, wherever the protocol put the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out long seq, out long intended)
    {
        intended = 0;
        return TryNumber(payload, "\"s\":"u8, out seq) && TryNumber(payload, "\"t\":"u8, out intended);
    }

    private static bool TryNumber(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> name, out long value)
    {
        value = 0;
        var at = payload.IndexOf(name);
        return at >= 0 && Utf8Parser.TryParse(payload[(at + name.Length)..], out value, out _);
    }
}
