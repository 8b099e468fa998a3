using System.Text;
using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Restore;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// <c>criu-image plan</c>'s output: one line per call (request number, arguments as saved), then per refused
/// call the errno, the code and the kernel check, and the repaired arguments where a restorer can fix them.
/// </summary>
public static class PlanReport
{
    /// <summary>The plan as text.</summary>
    public static string WriteText(RestorePlan plan)
    {
        var text = new StringBuilder();
        int refused = plan.Calls.Count(c => c.Refused);
        int bos = plan.Calls.Count(c => c.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport);
        int mappings = plan.Calls.Count(c => c.Call == RestoreCall.GemVa);
        text.Append($"{plan.Path}: restore on {plan.Target.Name} of a {plan.Revision.ToId()} image: {bos} BOs, {mappings} mappings, {plan.Calls.Count} calls, {refused} refused\n");
        foreach (PlannedCall call in plan.Calls)
        {
            if (call.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport)
            {
                text.Append($"BO {call.GemHandle}{(call.Call == RestoreCall.PrimeImport ? " (imported)" : "")}\n");
            }

            string mapping = call.Mapping is { } m ? $" mapping {m}" : "";
            string arguments = call.Call == RestoreCall.PrimeImport
                ? "from the exporter's dma-buf"
                : "{" + string.Join(", ", call.Arguments.Select(Show)) + "}";
            text.Append($"  {call.Call.Name()} 0x{call.Request:x8}{mapping} {arguments}{(call.Refused ? "  REFUSED" : "")}\n");
            foreach (Diagnostic refusal in call.Refusals)
            {
                RestoreCheck check = RestoreChecks.For(refusal.Descriptor)!;
                text.Append($"    {check.Outcome} {refusal.Descriptor.Id}: {check.Kernel}: {refusal.Message}\n");
            }

            if (call.Repaired.Count > 0)
            {
                text.Append($"    repaired: {{{string.Join(", ", call.Repaired.Select(Show))}}}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The plan as JSON: <c>{"path", "abi", "target", "calls":[{"call", "request", "gem_handle", "mapping",
    /// "arguments":{...}, "repaired":{...}, "refusals":[{"code", "outcome", "kernel", "message"}]}]}</c>;
    /// <c>mapping</c>, <c>repaired</c> and <c>refusals</c> only where they apply.
    /// </summary>
    public static void WriteJson(RestorePlan plan, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("path", plan.Path);
        json.WriteString("abi", plan.Revision.ToId());
        json.WriteString("target", plan.Target.Name);
        json.WriteStartArray("calls");
        foreach (PlannedCall call in plan.Calls)
        {
            json.WriteStartObject();
            json.WriteString("call", call.Call.Name());
            json.WriteString("request", $"0x{call.Request:x8}");
            json.WriteNumber("gem_handle", call.GemHandle);
            if (call.Mapping is { } mapping)
            {
                json.WriteNumber("mapping", mapping);
            }

            WriteArguments(json, "arguments", call.Arguments);
            if (call.Repaired.Count > 0)
            {
                WriteArguments(json, "repaired", call.Repaired);
            }

            if (call.Refused)
            {
                json.WriteStartArray("refusals");
                foreach (Diagnostic refusal in call.Refusals)
                {
                    RestoreCheck check = RestoreChecks.For(refusal.Descriptor)!;
                    json.WriteStartObject();
                    json.WriteString("code", refusal.Descriptor.Id);
                    json.WriteString("outcome", check.Outcome);
                    json.WriteString("kernel", check.Kernel);
                    json.WriteString("message", refusal.Message);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WriteArguments(Utf8JsonWriter json, string name, IReadOnlyList<CallArgument> arguments)
    {
        json.WriteStartObject(name);
        foreach (CallArgument argument in arguments)
        {
            json.WriteNumber(argument.Name, argument.Value);
        }

        json.WriteEndObject();
    }

    private static string Show(CallArgument argument) => argument.Name switch
    {
        "operation" => "operation=MAP",
        "new_handle" or "handle" => $"{argument.Name}={argument.Value}",
        _ => $"{argument.Name}=0x{argument.Value:x}",
    };
}
