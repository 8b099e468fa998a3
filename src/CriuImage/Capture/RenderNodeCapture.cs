using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Capture;

/// <summary>
/// Captures a render-node file of a running process into an image: the BOs and their GPU mappings as the
/// kernel's listing ioctls of the image's revision report them (linux-6.18: GEM_LIST_HANDLES and GEM_OP
/// GET_MAPPING_INFO; the postings: CRIU_BO_INFO and CRIU_MAPPING_INFO), each written unchanged. The calls
/// only read; nothing of the process changes. docs/capture.md says what it needs and how it is tested.
/// </summary>
public static class RenderNodeCapture
{
    /// <summary>
    /// A header for a capture in <paramref name="abi"/>: mapping flags as that revision reports them (criu-v8
    /// copies the hardware PTE bits, the others give uapi bits), the capture time, the process and the tool.
    /// </summary>
    public static ImageHeader CreateHeader(AbiRevision abi, string tool, uint? pid = null, uint? renderMinor = null) =>
        new(abi, abi == AbiRevision.CriuV8 ? MappingFlagsKind.Pte : MappingFlagsKind.Uapi)
        {
            Device = renderMinor is null ? null : new DeviceInfo { RenderMinor = renderMinor },
            Capture = new CaptureInfo
            {
                TimeNs = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
                Pid = pid,
                Tool = tool,
            },
        };

    /// <summary>
    /// Reads every BO of the render-node file open as <paramref name="drmFd"/> and its mappings, in the
    /// revision of <paramref name="writer"/>'s header, and writes them to <paramref name="writer"/> (which the
    /// caller completes). The whole state is read before anything is written, so the image is one pass.
    /// </summary>
    /// <exception cref="CaptureException">A call was refused, or the state never held still (the message says which call, which BO, and the errno).</exception>
    public static ValueTask<CaptureResult> CaptureAsync(int drmFd, ImageWriter writer, CancellationToken cancellationToken = default) =>
        CaptureAsync(drmFd, writer, holdPid: null, warn: null, cancellationToken);

    /// <summary>
    /// As <see cref="CaptureAsync(int, ImageWriter, CancellationToken)"/>, with the process tree rooted at
    /// <paramref name="holdPid"/> (when given) stopped while the calls read (<see cref="ProcessFreeze"/>), so
    /// that no process of it can change the BOs or mappings between them; let go before anything is written.
    /// Processes outside the tree that hold the same file are then said to <paramref name="warn"/>, in one line.
    /// </summary>
    internal static async ValueTask<CaptureResult> CaptureAsync(int drmFd, ImageWriter writer, int? holdPid, Action<string>? warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var reader = new RenderNodeReader(drmFd, writer.Header.Abi);

        // Synchronous from the seize to the release: ptrace binds the stopped threads to this thread.
        int[] tree = [];
        using (ProcessFreeze? freeze = holdPid is { } pid ? ProcessFreeze.Hold(pid) : null)
        {
            reader.Read();
            tree = [.. freeze?.Processes ?? []];
        }

        if (holdPid is { } root && warn is not null && FileSharers.Outside(drmFd, tree) is { Count: > 0 } sharers)
        {
            warn(FileSharers.Describe(sharers, root));
        }

        VmRecord[] mappings = [.. reader.Mappings];
        for (int i = 0; i < reader.Bos.Count; i++)
        {
            (BoRecord bo, int first) = reader.Bos[i];
            await writer.WriteBoAsync(bo, mappings.AsMemory(first, (int)bo.MappingCount), cancellationToken).ConfigureAwait(false);
        }

        return new CaptureResult(reader.Bos.Count, mappings.Length, reader.Passes);
    }
}

/// <summary>What a capture read.</summary>
/// <param name="BoCount">BOs written.</param>
/// <param name="MappingCount">Mappings written.</param>
/// <param name="Passes">Passes over the render node: more than 1 when handles closed while it was read.</param>
public readonly record struct CaptureResult(int BoCount, int MappingCount, int Passes);
