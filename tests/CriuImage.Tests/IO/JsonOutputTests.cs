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
            JsonOutput.WriteOptional(json, "absent", null);
            JsonOutput.WriteOptional(json, "present", ulong.MaxValue);
            json.WriteEndObject();
        }

        string text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("criu-dev's <a> & b+c é \\\"q\\\" \\\\ \\u0001", text, StringComparison.Ordinal);
        JsonNode node = JsonNode.Parse(text)!;
        Assert.Null(node["absent"]);
        Assert.Equal(ulong.MaxValue, node["present"]!.GetValue<ulong>());
    }
}
