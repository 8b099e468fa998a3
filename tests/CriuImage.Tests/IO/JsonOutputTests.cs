using System.Text;
using System.Text.Json.Nodes;
using CriuImage.IO;

namespace CriuImage.Tests.IO;

/// <summary>One JSON policy for every report: text as it is, escaped only where JSON requires it.</summary>
public sealed class JsonOutputTests
{
    [Fact]
    public void Text_IsWrittenAsItIs_ButQuotesAndControlsAreEscaped()
    {
        var buffer = new MemoryStream();
        using (var json = JsonOutput.Create(buffer))
        {
            json.WriteStartObject();
            json.WriteString("m", "criu-dev's <a> & b+c é \"q\" \\ \u0001");
            JsonOutput.WriteOptional(json, "absent", (ulong?)null);
            JsonOutput.WriteOptional(json, "present", ulong.MaxValue);
            JsonOutput.WriteOptional(json, "absent_text", (string?)null);
            JsonOutput.WriteOptional(json, "text", "criu-dev's");
            JsonOutput.WriteOptional(json, "absent_signed", (long?)null);
            JsonOutput.WriteOptional(json, "signed", -22L);
            JsonOutput.WriteStrings(json, "strings", ["a", "b"]);
            json.WriteEndObject();
        }

        string text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("criu-dev's <a> & b+c é \\\"q\\\" \\\\ \\u0001", text, StringComparison.Ordinal);
        JsonNode node = JsonNode.Parse(text)!;
        Assert.Null(node["absent"]);
        Assert.Equal(ulong.MaxValue, node["present"]!.GetValue<ulong>());
        Assert.Null(node["absent_text"]);
        Assert.Equal("criu-dev's", node["text"]!.GetValue<string>());
        Assert.Null(node["absent_signed"]);
        Assert.Equal(-22, node["signed"]!.GetValue<long>());
        Assert.Equal(["a", "b"], node["strings"]!.AsArray().Select(n => n!.GetValue<string>()));
    }
}
