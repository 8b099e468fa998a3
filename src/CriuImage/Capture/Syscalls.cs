using System.Runtime.InteropServices;

namespace CriuImage.Capture;

/// <summary>
/// The system calls capture makes, through libc by P/Invoke (no runtime helper in between, so they work the
/// same under NativeAOT): ioctl on a render node, and pidfd_open/pidfd_getfd to take a process's descriptor.
/// pidfd_open (434) and pidfd_getfd (438) have the same numbers on every architecture (the generic table).
/// </summary>
internal static unsafe partial class Syscalls
{
    public const int Eperm = 1;
    public const int Enoent = 2;
    public const int Esrch = 3;
    public const int Eintr = 4;
    public const int Ebadf = 9;
    public const int Eagain = 11;
    public const int Enomem = 12;
    public const int Efault = 14;
    public const int Einval = 22;
    public const int Enotty = 25;
    public const int Enosys = 38;

    private const long PidfdOpenNr = 434;
    private const long PidfdGetfdNr = 438;

    /// <summary>kcmp: 312 on x86-64, 272 on arm64 (the generic table); KCMP_FILE compares two descriptors' open files.</summary>
    private static readonly long KcmpNr = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 312 : 272;
    private const long KcmpFile = 0;

    /// <summary>ioctl(<paramref name="fd"/>, <paramref name="request"/>, <paramref name="argument"/>): 0, or the errno.</summary>
    public static int Ioctl(int fd, uint request, void* argument)
    {
        // The request is unsigned long in glibc's prototype: widening keeps 0xC0... positive.
        return IoctlCore(fd, request, argument) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>A pidfd for <paramref name="pid"/>, or -1 with the errno.</summary>
    public static int PidfdOpen(int pid, out int errno)
    {
        long fd = Syscall(PidfdOpenNr, pid, 0, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)fd;
    }

    /// <summary>A duplicate, in this process, of the descriptor <paramref name="targetFd"/> of the process behind <paramref name="pidfd"/>; -1 with the errno.</summary>
    public static int PidfdGetfd(int pidfd, int targetFd, out int errno)
    {
        long fd = Syscall(PidfdGetfdNr, pidfd, targetFd, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)fd;
    }

    /// <summary>
    /// True when descriptor <paramref name="fd"/> of <paramref name="pid"/> is the same open file (file
    /// description) as <paramref name="ownFd"/> of this process: kcmp(KCMP_FILE) answers 0. False when it is
    /// another, or when kcmp cannot tell (no rights over the process, or a kernel without CONFIG_KCMP).
    /// </summary>
    public static bool SameFile(int pid, int fd, int ownFd) => Syscall5(KcmpNr, Environment.ProcessId, pid, KcmpFile, ownFd, fd) == 0;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlCore(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c);

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall5(long number, long a, long b, long c, long d, long e);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
