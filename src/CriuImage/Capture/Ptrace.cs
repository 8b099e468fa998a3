using System.Runtime.InteropServices;

namespace CriuImage.Capture;

/// <summary>
/// The ptrace requests a freeze makes (PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH) and waitpid on one
/// thread, through libc by P/Invoke. Request numbers and the wait status layout are the generic ones of
/// include/uapi/linux/ptrace.h and the C library, the same on x86-64 and arm64.
/// </summary>
internal static partial class Ptrace
{
    private const long Seize = 0x4206;
    private const long Interrupt = 0x4207;
    private const long DetachRequest = 17;

    /// <summary>__WALL: wait for any child, clone or not (a traced thread of another process is a clone child).</summary>
    private const int WaitAll = 0x40000000;
    private const int WaitNoHang = 1;

    /// <summary>PTRACE_EVENT_STOP: the stop PTRACE_INTERRUPT (or a group stop) reports, in bits 16-23 of the status.</summary>
    private const int EventStop = 128;

    /// <summary>PTRACE_SEIZE <paramref name="tid"/> without stopping it: 0 or the errno.</summary>
    public static int Attach(int tid) => Call(Seize, tid, 0);

    /// <summary>PTRACE_INTERRUPT: asks the seized <paramref name="tid"/> to stop; 0 or the errno.</summary>
    public static int Stop(int tid) => Call(Interrupt, tid, 0);

    /// <summary>PTRACE_DETACH, delivering <paramref name="signal"/> (0 for none) as the thread resumes: 0 or the errno.</summary>
    public static int Detach(int tid, int signal) => Call(DetachRequest, tid, signal);

    /// <summary>
    /// What waitpid(<paramref name="tid"/>, WNOHANG | __WALL) saw: nothing yet, a stop (with the signal of a
    /// signal-delivery stop, which detaching must hand back, or 0 for PTRACE_INTERRUPT's and group stops), or
    /// the thread's end. The errno when waitpid itself failed.
    /// </summary>
    public static unsafe int Poll(int tid, out WaitResult result, out int pendingSignal)
    {
        int status = 0;
        int answered = WaitPid(tid, &status, WaitNoHang | WaitAll);
        pendingSignal = 0;
        result = WaitResult.Running;
        if (answered < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        if (answered == 0)
        {
            return 0;
        }

        if ((status & 0xFF) != 0x7F)
        {
            result = WaitResult.Gone;
            return 0;
        }

        result = WaitResult.Stopped;
        if (status >> 16 != EventStop)
        {
            pendingSignal = (status >> 8) & 0xFF;
        }

        return 0;
    }

    private static int Call(long request, int tid, long data) =>
        PtraceCore(request, tid, 0, (nint)data) < 0 ? Marshal.GetLastPInvokeError() : 0;

    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    private static partial long PtraceCore(long request, int pid, nint address, nint data);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int WaitPid(int pid, int* status, int options);
}

/// <summary>What a poll of a seized thread saw.</summary>
internal enum WaitResult
{
    /// <summary>Not stopped yet.</summary>
    Running,

    /// <summary>In a ptrace stop.</summary>
    Stopped,

    /// <summary>Exited or killed.</summary>
    Gone,
}
