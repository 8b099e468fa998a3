using System.Runtime.InteropServices;
using CriuImage.Abi;

namespace CriuImage.Native;

/// <summary>
/// The writer half of criu_image.h. Every entry point catches what the library throws and returns it as
/// <c>-errno</c> with a message: an exception crossing into C would end the caller's process.
/// </summary>
internal static unsafe class WriterExports
{
    [UnmanagedCallersOnly(EntryPoint = "criu_image_writer_open")]
    public static nint Open(byte* path, int abi, byte* error, nuint errorLength)
    {
        NativeErrors.Clear();
        string? message;
        try
        {
            string? name = NativeErrors.String(path);
            if (string.IsNullOrEmpty(name))
            {
                message = "criu_image_writer_open: the path is NULL or empty";
            }
            else if (abi is < (int)AbiRevision.Criu2025_06 or > (int)AbiRevision.Linux6_18)
            {
                message = $"criu_image_writer_open: {abi} is not a CRIU_IMAGE_ABI_* value";
            }
            else
            {
                NativeWriter writer = NativeWriter.Open(name, (AbiRevision)abi);
                return GCHandle.ToIntPtr(GCHandle.Alloc(writer));
            }

            NativeErrors.Fail(NativeErrors.EINVAL, message);
        }
        catch (Exception e)
        {
            NativeErrors.Fail($"criu_image_writer_open: {NativeErrors.String(path)}", e);
            message = NativeErrors.Last!;
        }

        NativeErrors.CopyTo(message, error, errorLength);
        return 0;
    }

    [UnmanagedCallersOnly(EntryPoint = "criu_image_write_bo")]
    public static int WriteBo(nint writer, void* bucket, uint mappingCount) =>
        BeginBo(writer, bucket, mappingCount, null, "criu_image_write_bo");

    [UnmanagedCallersOnly(EntryPoint = "criu_image_write_bo_mmap")]
    public static int WriteBoMmap(nint writer, void* bucket, uint mappingCount, ulong mmapOffset) =>
        BeginBo(writer, bucket, mappingCount, mmapOffset, "criu_image_write_bo_mmap");

    [UnmanagedCallersOnly(EntryPoint = "criu_image_write_mappings")]
    public static int WriteMappings(nint writer, void* buckets, nuint count) =>
        Call(writer, "criu_image_write_mappings", w =>
        {
            if (buckets is null && count > 0)
            {
                return NativeErrors.Fail(NativeErrors.EFAULT, "criu_image_write_mappings: vm_buckets is NULL");
            }

            w.AddMappings(buckets, count);
            return 0;
        });

    [UnmanagedCallersOnly(EntryPoint = "criu_image_writer_commit")]
    public static int Commit(nint writer)
    {
        int result = Call(writer, "criu_image_writer_commit", w =>
        {
            w.Commit();
            return 0;
        });
        int closed = Release(writer, "criu_image_writer_commit");
        return result != 0 ? result : closed;
    }

    [UnmanagedCallersOnly(EntryPoint = "criu_image_writer_abort")]
    public static void Abort(nint writer)
    {
        NativeErrors.Clear();
        Release(writer, "criu_image_writer_abort");
    }

    private static int BeginBo(nint writer, void* bucket, uint mappingCount, ulong? mmapOffset, string function) =>
        Call(writer, function, w =>
        {
            if (bucket is null)
            {
                return NativeErrors.Fail(NativeErrors.EFAULT, $"{function}: bucket is NULL");
            }

            w.BeginBo(bucket, mappingCount, mmapOffset);
            return 0;
        });

    /// <summary>Runs <paramref name="action"/> on the writer behind the handle; a failure marks the writer failed.</summary>
    private static int Call(nint handle, string function, Func<NativeWriter, int> action)
    {
        NativeErrors.Clear();
        if (handle == 0)
        {
            return NativeErrors.Fail(NativeErrors.EINVAL, $"{function}: the writer is NULL");
        }

        var writer = (NativeWriter)GCHandle.FromIntPtr(handle).Target!;
        try
        {
            return action(writer);
        }
        catch (Exception e)
        {
            int result = NativeErrors.Fail(function, e);
            writer.Failed(NativeErrors.Last!);
            return result;
        }
    }

    /// <summary>Closes the file (an uncommitted image leaves nothing) and frees the handle; 0 or <c>-errno</c>.</summary>
    private static int Release(nint handle, string function)
    {
        if (handle == 0)
        {
            return 0;
        }

        GCHandle gc = GCHandle.FromIntPtr(handle);
        var writer = (NativeWriter)gc.Target!;
        gc.Free();
        try
        {
            writer.Close();
            return 0;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(function, e);
        }
    }
}
