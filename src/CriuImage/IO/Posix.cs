using System.Runtime.InteropServices;

namespace CriuImage.IO;

/// <summary>
/// The few Linux system calls .NET does not expose: file type, identity and owner (statx, whose layout is
/// the same on every architecture), unnamed temporary files (O_TMPFILE) and linking them into place.
/// </summary>
internal static unsafe partial class Posix
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtSymlinkFollow = 0x400;
    public const int Eperm = 1;
    public const int Enoent = 2;
    public const int Eio = 5;
    public const int Enxio = 6;
    public const int Ebadf = 9;
    public const int Enomem = 12;
    public const int Eacces = 13;
    public const int Ebusy = 16;
    public const int Eexist = 17;
    public const int Exdev = 18;
    public const int Enodev = 19;
    public const int Enotdir = 20;
    public const int Eisdir = 21;
    public const int Enfile = 23;
    public const int Emfile = 24;
    public const int Etxtbsy = 26;
    public const int Efbig = 27;
    public const int Enospc = 28;
    public const int Erofs = 30;
    public const int Epipe = 32;
    public const int Enametoolong = 36;
    public const int Eloop = 40;
    public const int Estale = 116;
    public const int Edquot = 122;

    public const uint TypeMask = 0xF000;
    public const uint Regular = 0x8000;
    public const uint Directory = 0x4000;
    public const uint CharacterDevice = 0x2000;
    public const uint BlockDevice = 0x6000;
    public const uint Fifo = 0x1000;
    public const uint Symlink = 0xA000;
    public const uint Socket = 0xC000;

    private const uint StatxBasicStats = 0x7ff;

    /// <summary>O_WRONLY | O_CLOEXEC | O_TMPFILE (with O_DIRECTORY), as the asm-generic headers of x86-64 and arm64 define them.</summary>
    private const int TmpFileWriteOnly = 0x1 | 0x80000 | 0x400000 | 0x10000;

    /// <summary>True where the constants above are right and statx exists (Linux on x86-64 or arm64).</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>What statx says about a path: type and permission bits, owner, identity, and for a device file the device it is (<c>1:5</c> is /dev/zero).</summary>
    public readonly record struct FileStat(uint Mode, uint Uid, uint Gid, ulong Inode, uint DeviceMajor, uint DeviceMinor, uint SpecialMajor = 0, uint SpecialMinor = 0)
    {
        public uint Type => Mode & TypeMask;

        public bool SameFileAs(FileStat other) => Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;
    }

    /// <summary>statx of <paramref name="path"/>; on failure, false and the errno.</summary>
    public static bool TryStat(string path, bool followLinks, out FileStat stat, out int errno)
    {
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            stat = default;
            return false;
        }

        errno = 0;
        stat = Decode(buffer);
        return true;
    }

    /// <summary>The fields of a statx buffer this tool reads.</summary>
    private static FileStat Decode(byte* buffer) =>
        new(
            Mode: *(ushort*)(buffer + 28),
            Uid: *(uint*)(buffer + 20),
            Gid: *(uint*)(buffer + 24),
            Inode: *(ulong*)(buffer + 32),
            DeviceMajor: *(uint*)(buffer + 136),
            DeviceMinor: *(uint*)(buffer + 140),
            SpecialMajor: *(uint*)(buffer + 128),
            SpecialMinor: *(uint*)(buffer + 132));

    /// <summary>An unnamed file in <paramref name="folder"/>, or -1 with the errno (the file system may not support it).</summary>
    public static int OpenUnnamed(string folder, uint mode, out int errno)
    {
        int fd = Open(folder, TmpFileWriteOnly, mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>Gives the unnamed file open as <paramref name="fd"/> the name <paramref name="path"/> (which must not exist).</summary>
    public static int LinkUnnamed(int fd, string path, out int errno)
    {
        int result = LinkAt(AtFdCwd, $"/proc/self/fd/{fd}", AtFdCwd, path, AtSymlinkFollow);
        errno = result != 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    /// <summary>Gives the file the owner of the file it replaces; only root, or an owner changing the group to one of its own, may: 0, or the errno.</summary>
    public static int TryChangeOwner(SafeHandle file, uint uid, uint gid) => FChown(file, uid, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>fsync of a folder, which makes a rename or link inside it durable.</summary>
    public static void SyncFolder(string folder)
    {
        const int ReadOnly = 0; // O_RDONLY: enough to open a folder for fsync on Linux and macOS
        int fd = Open(folder, ReadOnly, 0);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    /// <summary>write(2) of all of <paramref name="buffer"/> at the descriptor's own offset (which it advances, unlike pwrite).</summary>
    /// <exception cref="IOException">The write failed (no space left, a closed pipe, a bad descriptor).</exception>
    public static void WriteAll(int fd, ReadOnlySpan<byte> buffer)
    {
        const int Eintr = 4;
        while (!buffer.IsEmpty)
        {
            nint written;
            fixed (byte* bytes = buffer)
            {
                written = Write(fd, bytes, (nuint)buffer.Length);
            }

            if (written < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr)
                {
                    continue;
                }

                // In the tool's words: /dev/fd/9 that the caller did not pass, or passed open for reading only.
                throw new IOException(errno == Ebadf ? "the descriptor is not open for writing (the caller did not pass it, or passed it for reading)" : IoMessages.OfErrno(errno));
            }

            buffer = buffer[(int)written..];
        }
    }

    /// <summary>The C library's text for <paramref name="errno"/> (<c>No space left on device</c>).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "linkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkAt(int oldDirFd, string oldPath, int newDirFd, string newPath, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(SafeHandle fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
