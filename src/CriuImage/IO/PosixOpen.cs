using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.IO;

/// <summary>Opening an input once and asking the descriptor what it is (open, fstat, poll), so that nothing is decided on a path that can change.</summary>
internal static unsafe partial class Posix
{
    /// <summary>O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, as the asm-generic headers of x86-64 and arm64 define them.</summary>
    private const int ReadNonBlocking = 0x0 | 0x800 | 0x100 | 0x80000;
    private const int NonBlocking = 0x800;
    private const int AtEmptyPath = 0x1000;
    private const int GetFlags = 3;
    private const int SetFlags = 4;
    private const short PollIn = 1;
    private const int Eintr = 4;

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting (a FIFO without a writer, a device that waits
    /// for a carrier) and without making a terminal the controlling one; null and the errno when it cannot be.
    /// </summary>
    public static SafeFileHandle? OpenForReading(string path, out int errno)
    {
        int fd = Open(path, ReadNonBlocking, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>statx of the open <paramref name="file"/> (AT_EMPTY_PATH): what was opened, whatever its path names now.</summary>
    public static FileStat Stat(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        byte* buffer = stackalloc byte[256];
        if (Statx((int)file.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, buffer) != 0)
        {
            throw new IOException(IoMessages.OfErrno(Marshal.GetLastPInvokeError()));
        }

        return Decode(buffer);
    }

    /// <summary>
    /// Makes reads of a pipe or FIFO opened by <see cref="OpenForReading"/> wait again: first until a writer
    /// has written or gone (a FIFO opened without waiting would otherwise read as empty before its writer comes),
    /// then O_NONBLOCK is cleared.
    /// </summary>
    public static void WaitForWriter(SafeFileHandle pipe)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        int fd = (int)pipe.DangerousGetHandle();
        var poll = new PollFd { Fd = fd, Events = PollIn };
        while (Poll(&poll, 1, -1) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr)
            {
                throw new IOException(IoMessages.OfErrno(errno));
            }
        }

        int flags = Fcntl(fd, GetFlags, 0);
        if (flags < 0 || Fcntl(fd, SetFlags, flags & ~NonBlocking) < 0)
        {
            throw new IOException(IoMessages.OfErrno(Marshal.GetLastPInvokeError()));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
