using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.IO;

/// <summary>
/// A path to write, handled by what is there. A regular file (or a new name) is replaced atomically: the
/// content goes to a temporary file in the same folder (unnamed, O_TMPFILE, where Linux supports it, so a
/// killed writer leaves nothing), which is fsynced and moved over the name only by
/// <see cref="CommitAsync"/>, keeping the old file's mode and, where permitted, its owner. A character
/// device or a FIFO (<c>/dev/null</c>, <c>/dev/stdout</c> of a pipe, <c>&lt;(...)</c>) is written through
/// as a stream, since replacing it would destroy it. A symbolic link is followed, and the temporary file
/// goes beside its target. Anything else (a folder, a block device, a socket) is refused.
/// </summary>
internal sealed class OutputFile : IAsyncDisposable
{
    /// <summary>Bytes of the final name kept in a temporary file's name; the rest of NAME_MAX is for the random part.</summary>
    private const int NamePrefixBytes = 100;

    private readonly Stream _stream;
    private readonly SafeFileHandle? _handle;
    private readonly string? _temporaryPath;
    private readonly bool _unnamed;
    private bool _committed;

    private OutputFile(string path, Stream stream, bool atomic, string? temporaryPath, bool unnamed)
    {
        Path = path;

        // The replaced file's writes say EFBIG as an IOException (FileTooLargeStream); it keeps its descriptor for the link.
        _handle = atomic ? ((FileStream)stream).SafeFileHandle : null;
        _stream = atomic ? new FileTooLargeStream((FileStream)stream) : stream;
        IsAtomic = atomic;
        _temporaryPath = temporaryPath;
        _unnamed = unnamed;
    }

    /// <summary>The path the content ends up at (a link's target, when the given path was a link).</summary>
    public string Path { get; }

    /// <summary>True when the path is replaced at commit; false when the content is written through (a device or a FIFO).</summary>
    public bool IsAtomic { get; }

    /// <summary>Where to write the content.</summary>
    public Stream Stream => _stream;

    /// <summary>Opens <paramref name="path"/> for writing as the class describes.</summary>
    /// <param name="path">The output path.</param>
    /// <param name="bufferSize">The stream's buffer (1 for none, when the caller buffers).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The path cannot be written: a folder, a block device or socket, a missing folder, no permission, a name too long.</exception>
    public static OutputFile Open(string path, int bufferSize = 64 * 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Posix.Supported ? OpenOnLinux(path, bufferSize) : OpenPortable(path, bufferSize);
    }

    /// <summary>Flushes, and for a replaced file makes it durable and moves it to <see cref="Path"/>.</summary>
    /// <exception cref="IOException">The content could not be written (no space left, a closed pipe).</exception>
    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed)
        {
            throw new InvalidOperationException("the output was already committed");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!IsAtomic)
        {
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            _committed = true;
            await _stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        ((FileTooLargeStream)_stream).FlushToDisk();
        if (_unnamed)
        {
            LinkIntoPlace();
        }
        else
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            File.Move(_temporaryPath!, Path, overwrite: true);
        }

        _committed = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Posix.SyncFolder(System.IO.Path.GetDirectoryName(Path)!);
        }
    }

    /// <summary>Closes the output; without a commit, a replaced path is left as it was and the temporary file is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException) when (!_committed)
        {
            // The flush of an abandoned write failed (a full disk, a closed pipe): the content is discarded anyway.
        }

        if (!_committed && _temporaryPath is not null && !_unnamed)
        {
            File.Delete(_temporaryPath);
        }
    }

    /// <summary>
    /// Names the unnamed file. A new path is linked directly; an existing one cannot be replaced by a link, so
    /// the file is linked under a temporary name and renamed over it (the only moment a kill leaves a
    /// temporary file behind).
    /// </summary>
    private void LinkIntoPlace()
    {
        int fd = (int)_handle!.DangerousGetHandle();
        if (Posix.LinkUnnamed(fd, Path, out int errno) == 0)
        {
            return;
        }

        if (errno != Posix.Eexist)
        {
            throw new IOException($"{Path}: {IoMessages.OfErrno(errno)}", errno);
        }

        if (Posix.LinkUnnamed(fd, _temporaryPath!, out errno) != 0)
        {
            // Under the output's name: the temporary one means nothing to the user.
            throw new IOException($"{Path}: {IoMessages.OfErrno(errno)}", errno);
        }

        try
        {
            File.Move(_temporaryPath!, Path, overwrite: true);
        }
        catch
        {
            File.Delete(_temporaryPath!);
            throw;
        }
    }

    private static OutputFile OpenOnLinux(string path, int bufferSize)
    {
        if (!Posix.TryStat(path, followLinks: true, out Posix.FileStat stat, out int errno))
        {
            if (errno != Posix.Enoent)
            {
                throw new IOException($"{path}: {IoMessages.OfErrno(errno)}", errno);
            }

            // Nothing there, or a link to nothing: the new file goes where the link points.
            return Replace(DescriptorPaths.ResolveLinks(path).Target, existing: null, bufferSize);
        }

        switch (stat.Type)
        {
            case Posix.Regular:
                (string target, int? descriptor) = DescriptorPaths.ResolveLinks(path);
                return descriptor is { } fd ? Through(fd, path, bufferSize) : Replace(target, stat, bufferSize);
            case Posix.CharacterDevice or Posix.Fifo:
                if (DescriptorPaths.ResolveLinks(path).Descriptor is not { } open)
                {
                    return Through(path, bufferSize);
                }

                return OwnPipes.ReaderOf(stat, open) is { } reader
                    ? throw new IOException($"{path}: the descriptor is a pipe this process reads itself (its descriptor {reader}), not one the caller passed: what is written there would be lost")
                    : Through(open, path, bufferSize);
            case Posix.Directory:
                throw new IOException($"{path}: is a folder; give a file name");
            default:
                throw new IOException($"{path}: is a {Kind(stat.Type)}; only a regular file, a character device or a FIFO can be written");
        }
    }

    private static OutputFile OpenPortable(string path, int bufferSize)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"{path}: is a folder; give a file name");
        }

        return Replace(DescriptorPaths.ResolveLinks(path).Target, existing: null, bufferSize);
    }

    private static string Kind(uint type) => type switch
    {
        Posix.BlockDevice => "block device",
        Posix.Socket => "socket",
        _ => $"file of type 0x{type:x}",
    };

    private static OutputFile Through(int descriptor, string path, int bufferSize) =>
        new(path, new BufferedStream(new DescriptorStream(descriptor), bufferSize), atomic: false, temporaryPath: null, unnamed: false);

    private static OutputFile Through(string path, int bufferSize) =>
        new(path, new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize), atomic: false, temporaryPath: null, unnamed: false);

    private static OutputFile Replace(string path, Posix.FileStat? existing, int bufferSize)
    {
        string folder = System.IO.Path.GetDirectoryName(path) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new IOException($"{path}: no such folder: {folder}");
        }

        string temporary = System.IO.Path.Combine(folder, TemporaryName(System.IO.Path.GetFileName(path)));
        uint mode = existing is { } e ? e.Mode & 0xFFF : 0x1B6; // a new file: 0666, less the umask
        FileStream stream;
        bool unnamed = false;
        if (Posix.Supported && Directory.Exists("/proc/self/fd")
            && Posix.OpenUnnamed(folder, mode, out _) is var fd and >= 0)
        {
            stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize);
            unnamed = true;
        }
        else
        {
            stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
        }

        if (existing is { } old && OperatingSystem.IsLinux())
        {
            // Owner first: a change of owner clears set-user-ID bits. The new file's mode was reduced by the
            // umask, so the old mode is then set exactly.
            if (Posix.TryChangeOwner(stream.SafeFileHandle, old.Uid, old.Gid) is var errno and not 0)
            {
                // The replacement would belong to this user: a file given away without a word. Nothing is
                // written; the unnamed or temporary file goes with the stream.
                stream.Dispose();
                if (!unnamed)
                {
                    File.Delete(temporary);
                }

                throw new IOException($"{path}: belongs to uid {old.Uid} gid {old.Gid}, which this user cannot give a file to ({Posix.Describe(errno)}): replacing it would change its owner, so nothing was written; write it as its owner or remove it first");
            }

            File.SetUnixFileMode(stream.SafeFileHandle, (UnixFileMode)(old.Mode & 0xFFF));
        }

        return new OutputFile(path, stream, atomic: true, temporary, unnamed);
    }

    /// <summary>
    /// <c>.NAME.RANDOM.tmp</c>, with NAME cut to <see cref="NamePrefixBytes"/> bytes of UTF-8 (on a character
    /// boundary) so that a final name of up to NAME_MAX (255) bytes still gives a valid temporary name.
    /// </summary>
    internal static string TemporaryName(string name)
    {
        int bytes = 0;
        int keep = 0;
        foreach (Rune rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > NamePrefixBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            keep += rune.Utf16SequenceLength;
        }

        return $".{name[..keep]}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}.tmp";
    }
}
