using System.Diagnostics.CodeAnalysis;

namespace CriuImage.Format;

/// <summary>An IP block version as the kernel's <c>IP_VERSION(major, minor, revision)</c>, written <c>11.0.3</c>.</summary>
/// <param name="Major">Major version.</param>
/// <param name="Minor">Minor version.</param>
/// <param name="Revision">Revision.</param>
public readonly record struct IpVersion(byte Major, byte Minor, byte Revision)
{
    /// <summary>Parses <c>MAJOR.MINOR.REVISION</c>: three decimals 0..255 without leading zeros.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out IpVersion? version)
    {
        version = null;
        Span<byte> parts = stackalloc byte[3];
        for (int i = 0; i < 3; i++)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = i < 2 ? (dot < 0 ? [] : text[..dot]) : text;
            if (part.IsEmpty || part.Length > 3 || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }

            int value = 0;
            foreach (char c in part)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
            }

            if (value > byte.MaxValue)
            {
                return false;
            }

            parts[i] = (byte)value;
            text = i < 2 ? text[(dot + 1)..] : [];
        }

        version = new IpVersion(parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>The version as <c>MAJOR.MINOR.REVISION</c>.</summary>
    public override string ToString() => $"{Major}.{Minor}.{Revision}";
}
