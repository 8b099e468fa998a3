using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>Where a task is in its <c>open_fdinfos</c> in a replay of another order of the tasks (<see cref="TaskLook"/>).</summary>
internal enum TaskLookState
{
    /// <summary>Its first pass has not begun: a send's FDS_EVENT is cleared as the pass begins (criu/files.c:1214), but the descriptor waits on the transport socket and the first pass receives it (<see cref="TaskLook.Received"/>).</summary>
    NotStarted,

    /// <summary>Its pass is under way (it sent the fd that woke the task now looking): a send sets its FDS_EVENT, so it passes again instead of sleeping (:1241-1242).</summary>
    Looking,

    /// <summary>Asleep in wait_fds_event (:1238-1243): a send wakes it and it looks at its files again.</summary>
    Asleep,

    /// <summary>Every amdgpu file it opens is restored.</summary>
    Done,
}

/// <summary>
/// One task's amdgpu files in a replay of another order of the tasks: the files still waiting, the sends it makes of
/// the files it opens at once (in its first pass, at their descriptors), and what woke it.
/// </summary>
/// <param name="Pid">The task.</param>
/// <param name="Pending">The amdgpu files it opens that are not restored yet, by descriptor.</param>
/// <param name="Sends">Its sends of files opened at once (<see cref="TaskFiles.AtOnceSends"/>), by descriptor.</param>
internal sealed record TaskLook(uint Pid, List<CriuDumpFile> Pending, IReadOnlyList<FdSend> Sends)
{
    /// <summary>Where it is.</summary>
    public TaskLookState State { get; set; }

    /// <summary>Its last pass.</summary>
    public int Pass { get; set; }

    /// <summary>FDS_EVENT: a send came during its pass.</summary>
    public bool Event { get; set; }

    /// <summary>
    /// A descriptor was sent to it since its last pass began: its next pass receives it (recv_fd_from_peer returns 0,
    /// criu/files.c:1003-1015; open_fd marks the fle restored, :1142-1147, :1169-1170), which open_fdinfos counts as
    /// progress (:1224-1225), so that pass is followed by another before the task can sleep.
    /// </summary>
    public bool Received { get; set; }

    /// <summary>When it fell asleep last (a count over the replay), to name the first task still asleep.</summary>
    public int SleptAt { get; set; }

    /// <summary>What the replay had restored and stored when a send last woke it (<c>RestoreReplay.Progressed</c>); -1 before any.</summary>
    public long WokenAt { get; set; } = -1;

    /// <summary>The sends that woke it, in order.</summary>
    public List<FdSend> WokenBy { get; } = [];
}
