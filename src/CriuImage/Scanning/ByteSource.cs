using Microsoft.Win32.SafeHandles;

namespace CriuImage.Scanning;

/// <summary>Positional reads from a file or a buffer, so the scanner can jump over damage and resynchronise.</summary>
internal abstract class ByteSource
{
    public abstract long Length { get; }

    /// <summary>Reads up to <paramref name="destination"/>'s length at <paramref name="offset"/>; fewer only at the end.</summary>
    public abstract int Read(long offset, Span<byte> destination);

    public sealed class File(SafeFileHandle handle) : ByteSource
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        public override int Read(long offset, Span<byte> destination)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int read = RandomAccess.Read(handle, destination[total..], offset + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }
    }

    /// <summary>Another source whose reads report how far into it they have reached (for a progress display).</summary>
    public sealed class Reporting(ByteSource inner, IProgress<long> reached) : ByteSource
    {
        public override long Length => inner.Length;

        public override int Read(long offset, Span<byte> destination)
        {
            int read = inner.Read(offset, destination);
            reached.Report(offset + read);
            return read;
        }
    }

    public sealed class Memory(ReadOnlyMemory<byte> bytes) : ByteSource
    {
        public override long Length => bytes.Length;

        public override int Read(long offset, Span<byte> destination)
        {
            if (offset >= bytes.Length)
            {
                return 0;
            }

            ReadOnlySpan<byte> available = bytes.Span[(int)offset..];
            int count = Math.Min(available.Length, destination.Length);
            available[..count].CopyTo(destination);
            return count;
        }
    }
}
