namespace CriuImage.IO;

/// <summary>
/// What a run (one command) made that holds a scratch file and is kept by objects that are never disposed (a KFD image's
/// BO values, inside the public records of the image): disposed when the run ends, so the file's descriptor is closed
/// then, not whenever the garbage collector finalizes it. Outside a run (a library caller reading a file) nothing is
/// kept here and finalization closes the file as before.
/// </summary>
internal sealed class RunScratch : IDisposable
{
    private static readonly AsyncLocal<RunScratch?> Current = new();

    private readonly RunScratch? _outer;
    private readonly Lock _lock = new();
    private readonly List<IDisposable> _owned = [];

    private RunScratch(RunScratch? outer) => _outer = outer;

    /// <summary>Begins a run for the calling flow: what is made in it until the returned run is disposed is disposed with it.</summary>
    public static RunScratch Begin()
    {
        var run = new RunScratch(Current.Value);
        Current.Value = run;
        return run;
    }

    /// <summary>Has the run of the calling flow, if any, dispose <paramref name="owned"/> when it ends.</summary>
    public static void Own(IDisposable owned)
    {
        if (Current.Value is { } run)
        {
            lock (run._lock)
            {
                run._owned.Add(owned);
            }
        }
    }

    /// <summary>Ends the run: disposes what it owns and puts the run in force before back.</summary>
    public void Dispose()
    {
        Current.Value = _outer;
        lock (_lock)
        {
            foreach (IDisposable owned in _owned)
            {
                owned.Dispose();
            }

            _owned.Clear();
        }
    }
}
