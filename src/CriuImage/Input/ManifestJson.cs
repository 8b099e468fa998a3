using System.Text.Json;

namespace CriuImage.Input;

/// <summary>How the input layer says a manifest (an OCI index or manifest, a pod checkpoint manifest) is not valid JSON.</summary>
internal static class ManifestJson
{
    /// <summary>"is not valid JSON at line L, column C: reason", 1-based, in place of the parser's own trailer of 0-based positions.</summary>
    public static string NotValid(JsonException e)
    {
        // System.Text.Json appends " LineNumber: n | BytePositionInLine: m." to its reason: say the place once, our way.
        string message = e.Message;
        int end = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        string reason = (end > 0 ? message[..end] : message).TrimEnd();
        return e.LineNumber is long line && e.BytePositionInLine is long column
            ? $"is not valid JSON at line {line + 1}, column {column + 1}: {reason}"
            : $"is not valid JSON: {reason}";
    }
}
