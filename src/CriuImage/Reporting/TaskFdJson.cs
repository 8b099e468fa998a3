using System.Text.Json;
using CriuImage.Criu;

namespace CriuImage.Reporting;

/// <summary>The tasks and descriptors holding an amdgpu file, as JSON: <c>[{"pid", "fd", "opens"}]</c>, the opener first.</summary>
internal static class TaskFdJson
{
    /// <summary>Writes <paramref name="holders"/> as the array <paramref name="name"/>.</summary>
    public static void Write(Utf8JsonWriter json, string name, IReadOnlyList<TaskFd> holders)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < holders.Count; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("pid", holders[i].Pid);
            json.WriteNumber("fd", holders[i].Fd);
            json.WriteBoolean("opens", i == 0);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
