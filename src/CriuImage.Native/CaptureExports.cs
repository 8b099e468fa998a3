using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Capture;
using CriuImage.Diagnostics;
using CriuImage.Format;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Native;

/// <summary>
/// criu_image_capture: a render-node descriptor the caller holds, read through the revision's listing ioctls
/// and written as an image that appears atomically at <c>out_path</c>. criu_image_capture_pid: the same for a
/// descriptor of another process, taken with pidfd_getfd, with the process tree rooted at it stopped while the
/// calls read, as <c>criu-image capture --pid</c> does. Failures come back as <c>-errno</c> with one line: the
/// kernel's errno for a refused call (which call, which BO), -EAGAIN when the process's BOs never held still,
/// -EOVERFLOW for a count past what one call may ask for, -EPERM without ptrace rights.
/// </summary>
internal static unsafe class CaptureExports
{
    /// <summary>CRIU_IMAGE_CAPTURE_NO_FREEZE: read without stopping the process tree.</summary>
    private const uint NoFreeze = 1;

    [UnmanagedCallersOnly(EntryPoint = "criu_image_capture")]
    public static int Capture(int drmFd, byte* path, int abi, byte* error, nuint errorLength) =>
        Run("criu_image_capture", path, abi, error, errorLength, (name, revision) =>
            CaptureInto(drmFd, name, RenderNodeCapture.CreateHeader(revision, Tool), hold: null, "criu_image_capture"));

    [UnmanagedCallersOnly(EntryPoint = "criu_image_capture_pid")]
    public static int CapturePid(int pid, int fd, byte* path, int abi, uint flags, byte* error, nuint errorLength) =>
        Run("criu_image_capture_pid", path, abi, error, errorLength, (name, revision) =>
        {
            if (pid <= 0 || (flags & ~NoFreeze) != 0)
            {
                return NativeErrors.Fail(NativeErrors.EINVAL, pid <= 0
                    ? $"criu_image_capture_pid: {pid} is not a process id"
                    : $"criu_image_capture_pid: flags 0x{flags:x} has bits that are not CRIU_IMAGE_CAPTURE_* values");
            }

            try
            {
                (int number, string? node) = fd >= 0 ? (fd, ProcessDescriptors.Node(pid, fd)) : ProcessDescriptors.OnlyRenderNode(pid);
                using SafeFileHandle taken = ProcessDescriptors.Take(pid, number);
                ImageHeader header = RenderNodeCapture.CreateHeader(revision, Tool, (uint)pid, ProcessDescriptors.RenderMinor(node));

                // Never this process itself: its own threads run this call.
                int? hold = (flags & NoFreeze) == 0 && pid != Environment.ProcessId ? pid : null;
                return CaptureInto((int)taken.DangerousGetHandle(), name, header, hold, $"criu_image_capture_pid: pid {pid} fd {number}");
            }
            catch (CaptureException e)
            {
                return NativeErrors.Fail(e.Errno is > 0 ? e.Errno : NativeErrors.EIO, $"criu_image_capture_pid: pid {pid}{(fd >= 0 ? $" fd {fd}" : "")}: {e.Message}");
            }
        });

    private static string Tool => $"libcriuimage {Reporting.ToolInfo.Version}";

    /// <summary>Checks the arguments both calls share, runs <paramref name="body"/>, and copies a failure's (or a warning's) line into the caller's buffer.</summary>
    private static int Run(string call, byte* path, int abi, byte* error, nuint errorLength, Func<string, AbiRevision, int> body)
    {
        NativeErrors.Clear();
        int result;
        try
        {
            string? name = NativeErrors.String(path);
            if (string.IsNullOrEmpty(name))
            {
                result = NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: out_path is NULL or empty");
            }
            else if (abi is < (int)AbiRevision.Criu2025_06 or > (int)AbiRevision.Linux6_18)
            {
                result = NativeErrors.Fail(NativeErrors.EINVAL, $"{call}: {abi} is not a CRIU_IMAGE_ABI_* value");
            }
            else
            {
                result = body(name, (AbiRevision)abi);
            }
        }
        catch (Exception e)
        {
            result = NativeErrors.Fail(call, e);
        }

        if (NativeErrors.Last is { } line)
        {
            NativeErrors.CopyTo(line, error, errorLength);
        }
        else if (error is not null && errorLength > 0)
        {
            error[0] = 0;
        }

        return result;
    }

    /// <summary>
    /// Captures into <paramref name="path"/>, with the tree rooted at <paramref name="hold"/> stopped while the
    /// calls read; a process outside the tree that holds the file is this thread's last message, the call's
    /// result still 0.
    /// </summary>
    private static int CaptureInto(int drmFd, string path, ImageHeader header, int? hold, string doing)
    {
        ImageFileWriter file = ImageFileWriter.Create(path, header);
        try
        {
            string? warning = null;
            RenderNodeCapture.CaptureAsync(drmFd, file.Writer, hold, w => warning = w, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            file.CommitAsync().AsTask().GetAwaiter().GetResult();
            if (warning is not null)
            {
                NativeErrors.Note($"{doing}: warning: {warning}");
            }

            return 0;
        }
        catch (CaptureException e)
        {
            return NativeErrors.Fail(e.Errno, $"{doing}: {e.Describe(RemedyWords.Library)}");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail($"{doing}: {path}", e);
        }
        finally
        {
            // Without a commit this leaves nothing under the path (ImageFileWriter's temporary file goes).
            file.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
