using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Capture;
using CriuImage.Format;

namespace CriuImage.Native;

/// <summary>
/// criu_image_capture: a render-node descriptor the caller holds, read through the revision's listing ioctls
/// and written as an image that appears atomically at <c>out_path</c>. Failures come back as <c>-errno</c>
/// with one line: the kernel's errno for a refused call (which call, which BO), -EAGAIN when the process's
/// BOs never held still, -EOVERFLOW for a count past what one call may ask for.
/// </summary>
internal static unsafe class CaptureExports
{
    [UnmanagedCallersOnly(EntryPoint = "criu_image_capture")]
    public static int Capture(int drmFd, byte* path, int abi, byte* error, nuint errorLength)
    {
        NativeErrors.Clear();
        int result;
        try
        {
            string? name = NativeErrors.String(path);
            if (string.IsNullOrEmpty(name))
            {
                result = NativeErrors.Fail(NativeErrors.EINVAL, "criu_image_capture: out_path is NULL or empty");
            }
            else if (abi is < (int)AbiRevision.Criu2025_06 or > (int)AbiRevision.Linux6_18)
            {
                result = NativeErrors.Fail(NativeErrors.EINVAL, $"criu_image_capture: {abi} is not a CRIU_IMAGE_ABI_* value");
            }
            else
            {
                result = CaptureInto(drmFd, name, (AbiRevision)abi);
            }
        }
        catch (Exception e)
        {
            result = NativeErrors.Fail("criu_image_capture", e);
        }

        if (result != 0)
        {
            NativeErrors.CopyTo(NativeErrors.Last!, error, errorLength);
        }

        return result;
    }

    private static int CaptureInto(int drmFd, string path, AbiRevision abi)
    {
        ImageHeader header = RenderNodeCapture.CreateHeader(abi, $"libcriuimage {Reporting.ToolInfo.Version}");
        ImageFileWriter file = ImageFileWriter.Create(path, header);
        try
        {
            RenderNodeCapture.CaptureAsync(drmFd, file.Writer).AsTask().GetAwaiter().GetResult();
            file.CommitAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }
        catch (CaptureException e)
        {
            return NativeErrors.Fail(e.Errno, $"criu_image_capture: {e.Message}");
        }
        catch (Exception e)
        {
            return NativeErrors.Fail($"criu_image_capture: {path}", e);
        }
        finally
        {
            // Without a commit this leaves nothing under the path (ImageFileWriter's temporary file goes).
            file.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
