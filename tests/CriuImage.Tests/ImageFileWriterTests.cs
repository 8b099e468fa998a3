using System.IO.Pipelines;
using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

public sealed class ImageFileWriterTests : TempFolder
{
    [Fact]
    public async Task Commit_ReplacesTheFile_WithTheCompleteImage()
    {
        string path = Path.Combine(Folder, "out.img");
        File.WriteAllText(path, "old");
        await using (ImageFileWriter file = ImageFileWriter.Create(path, new ImageHeader(AbiRevision.CriuV8)))
        {
            file.Writer.WriteBo(new CriuV8BoBucket { GemHandle = 1, Size = 4096 }, null, [new CriuVmBucket { Start = 16, Last = 16 }]);
            Assert.Equal("old", File.ReadAllText(path));
            await file.CommitAsync();
        }

        (_, List<BoEntry> bos) = await Images.ReadAsync(File.ReadAllBytes(path));
        Assert.Single(bos);
        Assert.Equal(["out.img"], Directory.GetFiles(Folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task DisposeWithoutCommit_LeavesTheOldFile_AndNoTemporary()
    {
        string path = Path.Combine(Folder, "out.img");
        File.WriteAllText(path, "old");
        await using (ImageFileWriter file = ImageFileWriter.Create(path, new ImageHeader(AbiRevision.CriuV8)))
        {
            file.Writer.WriteBo(new CriuV8BoBucket { GemHandle = 1, Size = 4096 }, null, []);
        }

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task FailingSink_ThrowsAClearError_AndFaultsTheWriter()
    {
        var sink = new FailingStream(failAfter: 100_000);
        ImageWriter writer = ImageWriter.Create(sink, new ImageHeader(AbiRevision.CriuV8));
        CriuVmBucket[] mappings = new CriuVmBucket[5000];
        IOException e = await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (uint i = 0; i < 100; i++)
            {
                await writer.WriteBoAsync(new CriuV8BoBucket { GemHandle = i, Size = 4096 }, null, mappings);
            }

            await writer.CompleteAsync();
        });
        Assert.Contains("disk full", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => writer.WriteBo(new CriuV8BoBucket(), null, []));
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task CancelledFlush_Throws_AndFaultsTheWriter()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        await using var writer = new ImageWriter(pipe.Writer, new ImageHeader(AbiRevision.CriuV8));
        writer.WriteBo(new CriuV8BoBucket(), null, new CriuVmBucket[20000]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.FlushAsync(cancel.Token));
        Assert.Throws<InvalidOperationException>(() => writer.WriteBo(new CriuV8BoBucket(), null, []));
    }

    [Fact]
    public async Task Writer_HonoursBackPressure_FromASlowReader()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024));
        Task<List<BoEntry>> reading = Task.Run(async () =>
        {
            await using var reader = new ImageReader(pipe.Reader);
            var bos = new List<BoEntry>();
            await foreach (BoEntry bo in reader.ReadBosAsync())
            {
                bos.Add(bo);
                await Task.Yield();
            }

            return bos;
        });

        await using (var writer = new ImageWriter(pipe.Writer, new ImageHeader(AbiRevision.CriuV8)))
        {
            for (uint i = 0; i < 200; i++)
            {
                await writer.WriteBoAsync(new CriuV8BoBucket { GemHandle = i }, null, new CriuVmBucket[1000]);
                await writer.FlushAsync();
            }

            await writer.CompleteAsync();
        }

        await pipe.Writer.CompleteAsync();
        Assert.Equal(200, (await reading).Count);
    }

    private sealed class FailingStream(int failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            if (_written > failAfter)
            {
                throw new IOException("No space left on device (disk full)");
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}
