using System.Globalization;
using System.Text;
using System.Text.Json;
using CriuImage.IO;
using CriuImage.Input;

namespace CriuImage.Reporting;

/// <summary>
/// The container checkpoint artifacts (OCI images, pod checkpoint containers) the files came from: their
/// checkpoint annotations and what is suspicious about them. Text for people; JSON
/// <c>"artifacts":[{"path", "kind", "container", "annotations":{...}, "warnings":[...]}]</c>.
/// </summary>
internal static class ArtifactReport
{
    /// <summary>The distinct artifacts of <paramref name="inputs"/>, in the order their first file was found.</summary>
    public static IReadOnlyList<Artifact> Of(InputSet inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return [.. inputs.Files.Select(f => f.Artifact).OfType<Artifact>().Distinct()];
    }

    /// <summary>The text of one artifact.</summary>
    public static string Text(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"{Printable.Escape(artifact.Path)} ({artifact.Kind}{(artifact.ContainerName is { } name ? $", container {Printable.Escape(name)}" : "")})\n");
        foreach ((string key, string value) in artifact.Annotations)
        {
            text.Append(c, $"  {Printable.Escape(key)}: {Printable.Escape(value)}\n");
        }

        foreach (string warning in artifact.Warnings)
        {
            text.Append(c, $"  warning: {warning}\n");
        }

        return text.ToString();
    }

    /// <summary>Writes <c>"artifacts":[...]</c>.</summary>
    public static void WriteJson(IEnumerable<Artifact> artifacts, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartArray("artifacts");
        foreach (Artifact artifact in artifacts)
        {
            json.WriteStartObject();
            json.WriteString("path", artifact.Path);
            json.WriteString("kind", artifact.Kind);
            json.WriteString("container", artifact.ContainerName);
            json.WriteStartObject("annotations");
            foreach ((string key, string value) in artifact.Annotations)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            JsonOutput.WriteStrings(json, "warnings", artifact.Warnings);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
