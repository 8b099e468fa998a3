namespace CriuImage.Analyzer;

/// <summary>
/// A process started with standard input or output closed (<c>&gt;&amp;-</c>) would hand that descriptor to
/// the next file it opens, and then write its report into that file. The descriptor is taken by
/// <c>/dev/null</c> instead, and the stream fails on use, so "standard output is closed" is reported.
/// </summary>
internal static class ClosedStandardStreams
{
    private static readonly List<Microsoft.Win32.SafeHandles.SafeFileHandle> Reserved = [];

    /// <summary>
    /// True when descriptor <paramref name="fd"/> (0 or 1) cannot be used in its direction (Linux, through
    /// /proc): closed, or already taken by a file the runtime opened read-only while starting.
    /// </summary>
    public static bool IsClosed(int fd)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/fdinfo"))
        {
            return false;
        }

        string? flags = null;
        try
        {
            flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(line => line.StartsWith("flags:", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return true; // no such descriptor
        }

        if (flags is null)
        {
            return false;
        }

        int access = Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3; // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
        return fd == 0 ? access == 1 : access == 0;
    }

    /// <summary>Occupies the lowest free descriptor (the closed one) with /dev/null; returns a stream that fails on use.</summary>
    public static Stream Reserve(int fd)
    {
        Reserved.Add(File.OpenHandle("/dev/null", FileMode.Open, fd == 0 ? FileAccess.Read : FileAccess.ReadWrite));
        return new ClosedStream(fd == 0 ? "standard input is closed" : "standard output is closed");
    }

    private sealed class ClosedStream(string message) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException(message);

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException(message);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
