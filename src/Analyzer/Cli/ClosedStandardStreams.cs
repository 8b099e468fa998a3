using CriuImage.IO;

namespace CriuImage.Analyzer.Cli;

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

        if (!File.Exists($"/proc/self/fdinfo/{fd}"))
        {
            return true; // no such descriptor
        }

        if (OwnPipes.Access(fd) is not { } access)
        {
            return false;
        }

        return fd == 0 ? access == 1 || IsOwnPipe(fd) : access == 0;
    }

    /// <summary>
    /// True when descriptor <paramref name="fd"/> reads a pipe whose write end this process holds itself: the
    /// runtime's own pipe, which took descriptor 0 when the process started with it closed (<c>&lt;&amp;-</c>).
    /// A read of it would wait for ever, since no other process can write to it or close it.
    /// </summary>
    private static bool IsOwnPipe(int fd) =>
        Posix.Supported && Posix.TryStat($"/proc/self/fd/{fd}", followLinks: true, out Posix.FileStat pipe, out _) && OwnPipes.WriterOf(pipe) is not null;

    /// <summary>Occupies the lowest free descriptor (the closed one) with /dev/null; returns a stream that fails on use.</summary>
    public static Stream Reserve(int fd)
    {
        Reserved.Add(File.OpenHandle("/dev/null", FileMode.Open, fd == 0 ? FileAccess.Read : FileAccess.ReadWrite));
        return new ClosedStream(fd == 0 ? "standard input is closed" : "standard output is closed");
    }

    /// <summary>Standard input that is not read (a terminal, a device that never ends): a stream that fails on use, saying <paramref name="why"/>.</summary>
    public static Stream Refuse(string why) => new ClosedStream(why);

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
