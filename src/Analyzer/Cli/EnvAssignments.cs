namespace CriuImage.Analyzer.Cli;

/// <summary>The <c>--env NAME=VALUE</c> assignments of the commands that match GPUs as CRIU does (host-check, plan, verify, restorable).</summary>
internal static class EnvAssignments
{
    /// <summary>The <c>--env NAME=VALUE</c> assignments; null, with the line to print in <paramref name="problem"/>, when one is not NAME=VALUE.</summary>
    public static List<KeyValuePair<string, string>>? Parse(string[]? assignments, out string? problem)
    {
        var variables = new List<KeyValuePair<string, string>>();
        problem = null;
        foreach (string assignment in assignments ?? [])
        {
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problem = $"criu-image: error: --env '{assignment}' is not NAME=VALUE";
                return null;
            }

            variables.Add(new(assignment[..equals], assignment[(equals + 1)..]));
        }

        return variables;
    }
}
