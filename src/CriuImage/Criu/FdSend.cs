using System.Globalization;

namespace CriuImage.Criu;

/// <summary>
/// A descriptor CRIU's restore sends from the task that opens a file to another task holding the same file
/// (<c>serve_out_fd</c> -> <c>send_fd_to_peer</c>, criu/files.c:1090-1112, :1031-1043 at 2cf8f13 and v4.2): the send
/// sets the receiver's FDS_EVENT (<c>set_fds_event</c>, :199-212), which wakes it if it sleeps in
/// <c>wait_fds_event</c> (:219-227, :1238-1243), and it looks at its files again.
/// </summary>
/// <param name="From">The task that opens the file (its holder of lowest pid).</param>
/// <param name="Fd">Its descriptor: the send comes when its pass reaches it.</param>
/// <param name="FileId">The file's id.</param>
/// <param name="Type">The file's <c>fd_types</c>.</param>
/// <param name="To">The task sent it.</param>
internal readonly record struct FdSend(uint From, uint Fd, uint FileId, uint Type, uint To)
{
    /// <summary>"task FROM's fd FD (file id ID)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"task {From}'s fd {Fd} (file id {FileId})");
}
