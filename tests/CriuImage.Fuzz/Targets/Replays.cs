namespace CriuImage.Fuzz.Targets;

/// <summary>Runs one input through a target outside afl-fuzz, with a time bound: how crashes are triaged and the corpus replayed.</summary>
internal static class Replays
{
    /// <summary>How long one input may take before it counts as a hang (inputs are small; each takes milliseconds).</summary>
    public static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="input"/> through <paramref name="target"/>; returns what went wrong (an exception
    /// escaped, or no end within <paramref name="bound"/>, by default <see cref="PerInput"/>), or null.
    /// </summary>
    public static string? Run(FuzzTarget target, byte[] input, TimeSpan? bound = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        TimeSpan limit = bound ?? PerInput;
        Task run = Task.Factory.StartNew(() => target.Run(input), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return run.Wait(limit) ? null : $"{target.Name}: no result within {limit.TotalSeconds} s (a hang)";
        }
        catch (AggregateException e) when (e.InnerException is { } inner)
        {
            return $"{target.Name}: {inner.GetType().FullName}: {inner.Message}\n{inner.StackTrace}";
        }
    }
}
