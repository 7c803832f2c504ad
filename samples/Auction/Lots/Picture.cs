using System.Globalization;
using System.Security;

namespace Auction.Lots;

/// <summary>A lot's picture, drawn rather than stored: a colour from its id and its title's first letter.</summary>
public static class Picture
{
    public static string Of(Lot lot)
    {
        var hue = (lot.Id * 67 % 360).ToString(CultureInfo.InvariantCulture);
        var letter = SecurityElement.Escape(lot.Title[..1].ToUpperInvariant());
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 240" width="320" height="240">
              <rect width="320" height="240" fill="hsl({hue},45%,80%)"/>
              <circle cx="160" cy="120" r="80" fill="hsl({hue},45%,45%)"/>
              <text x="160" y="150" font-size="90" text-anchor="middle" fill="#fff" font-family="serif">{letter}</text>
            </svg>
            """;
    }
}
