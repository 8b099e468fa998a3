using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>When CRIU's core meets a process image on restore, relative to the amdgpu plugin's own hooks.</summary>
internal enum ProcessImageStage
{
    /// <summary><c>prepare_pstree</c> (pstree.img, ids-PID.img), before the plugin's init (criu/cr-restore.c:2396, :2408 at 2cf8f13 and v4.2).</summary>
    Tree,

    /// <summary>After the plugin's init, before any task opens a file: cores at fork, descriptors in root_prepare_shared.</summary>
    Tasks,

    /// <summary>
    /// After the task's own files are restored (prepare_fds), before the resume hook: its threads' cores, read by
    /// open_cores and sigreturn_restore (criu/cr-restore.c:643, :658, :3397-3408 at 2cf8f13 and v4.2).
    /// </summary>
    AfterFiles,
}

/// <summary>
/// A process image that stops CRIU's restore (CRI350-CRI352 before the plugin restores any file, CRI354 after the
/// task's files), said with the image, the byte, the task and the descriptor where the dump gives them.
/// </summary>
/// <param name="Code">The code.</param>
/// <param name="Stage">When CRIU's core meets it.</param>
/// <param name="Message">What and where, starting with the image's name.</param>
/// <param name="Cause">CRIU's file:line that stops.</param>
internal sealed record ProcessImageFailure(DiagnosticDescriptor Code, ProcessImageStage Stage, string Message, string Cause)
{
    /// <summary>The amdgpu file the failure concerns, by name, when one does (else the first file CRIU would restore).</summary>
    public string? File { get; init; }
}
