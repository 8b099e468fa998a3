using System.Text;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Tests;

/// <summary>
/// A render node read a field at a time from its descriptor (<see cref="WireWindow"/>) is the node read from the whole
/// file: the same entries, problems, revisions and, for damaged files, the same error at the same offset, whatever
/// the window's size cuts (windows of 1 byte up to the 1 MiB the tool uses), on every CRIU fixture, every fuzzing
/// find for CRIU's files, every cut of a node and random damage.
/// </summary>
public sealed class WireWindowTests : TempFolder
{
    private static readonly int[] Windows = [1, 3, 21, 64, 4096, WireWindow.WindowBytes];

    public static TheoryData<string> Files()
    {
        var files = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(CriuFixtures.Root, "amdgpu-*.img", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (file.Contains("renderD", StringComparison.Ordinal) || file.Contains("kfd-", StringComparison.Ordinal))
            {
                files.Add(Path.GetRelativePath(RepoPaths.Root, file));
            }
        }

        string corpus = Path.Combine(RepoPaths.Root, "tests", "corpus");
        foreach (string file in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(corpus, file);
            if (relative.StartsWith("criu-render-node", StringComparison.Ordinal) || relative.StartsWith("criu-kfd", StringComparison.Ordinal) || relative.EndsWith(".criu", StringComparison.Ordinal))
            {
                files.Add(Path.GetRelativePath(RepoPaths.Root, file));
            }
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void AFile_ReadInWindows_IsTheFileReadWhole(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Root, file));
        AssertSameInEveryWindow(bytes);
    }

    [Fact]
    public void EveryCutAndRandomDamage_ReadInWindows_IsTheWholeRead()
    {
        byte[] node = File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-renderD-7.img"));
        for (int cut = 0; cut <= node.Length; cut++)
        {
            AssertSameInEveryWindow(node[..cut]);
        }

        var random = new Random(20);
        for (int i = 0; i < 300; i++)
        {
            byte[] damaged = (byte[])node.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            AssertSameInEveryWindow(damaged);
        }
    }

    [Fact]
    public void ANodeLargerThanTheWindow_IsReadWhole_WithoutHoldingIt()
    {
        // 60,000 BOs (about 2.7 MB), one of 40,000 mappings (an entry of 1.3 MB, larger than the window): fields straddle it.
        byte[] bytes = CriuImages.File(RenderNodeStoreTests.Node(60_000, i => i == 30_000 ? 40_000 : 1 + (i % 3)));
        Assert.True(bytes.Length > 2 * WireWindow.WindowBytes);
        string whole = Described(() => CriuFileReader.Lax.ReadRenderNode(bytes), Describe);
        using SafeFileHandle handle = Written(bytes);
        Assert.Equal(whole, Described(() => CriuFileReader.Lax.ReadRenderNode(WireWindow.Over(handle, bytes.Length)), Describe));
    }

    /// <summary>The bytes in a file of the test's folder, opened for reading.</summary>
    private SafeFileHandle Written(byte[] bytes)
    {
        string path = Path.Combine(Folder, "node.img");
        File.WriteAllBytes(path, bytes);
        return File.OpenHandle(path);
    }

    private void AssertSameInEveryWindow(byte[] bytes)
    {
        using SafeFileHandle handle = Written(bytes);
        AssertSameInEveryWindow(bytes, handle, Windows, (reader, file) => reader.ReadRenderNode(file), Describe);
    }

    /// <summary>
    /// A read of <paramref name="bytes"/> from <paramref name="handle"/> (the same bytes) in each of <paramref name="windows"/>,
    /// lax and strict, and the top-level walk that tells a KFD image, each described as the read of the bytes held whole.
    /// </summary>
    internal static void AssertSameInEveryWindow<T>(byte[] bytes, SafeFileHandle handle, int[] windows, Func<CriuFileReader, WireWindow, CriuMessageFile<T>> read, Func<CriuMessageFile<T>, string> describe)
    {
        string whole = Described(() => read(CriuFileReader.Lax, WireWindow.Of(bytes)), describe);
        string strict = Described(() => read(CriuFileReader.Strict, WireWindow.Of(bytes)), describe);
        string misfits = Misfits(WireWindow.Of(bytes));
        foreach (int window in windows)
        {
            Assert.Equal(whole, Described(() => read(CriuFileReader.Lax, WireWindow.Over(handle, bytes.Length, window)), describe));
            Assert.Equal(strict, Described(() => read(CriuFileReader.Strict, WireWindow.Over(handle, bytes.Length, window)), describe));
            Assert.Equal(misfits, Misfits(WireWindow.Over(handle, bytes.Length, window)));
        }
    }

    /// <summary>What <paramref name="describe"/> says of the read, or the error and its offset.</summary>
    internal static string Described<T>(Func<CriuMessageFile<T>> read, Func<CriuMessageFile<T>, string> describe)
    {
        try
        {
            return describe(read());
        }
        catch (ImageFormatException e)
        {
            return $"error at {e.ByteOffset}: {e.Message}";
        }
    }

    private static string Misfits(WireWindow file)
    {
        try
        {
            return CriuFileReader.KfdTopMisfits(file).ToString();
        }
        catch (ImageFormatException e)
        {
            return $"{e.ByteOffset}: {e.Message}";
        }
    }

    /// <summary>Everything a read gives, as text: the node, its entries, revisions and problems.</summary>
    private static string Describe(CriuMessageFile<CriuRenderNode> file)
    {
        CriuRenderNode node = file.Message;
        var text = new StringBuilder();
        text.AppendLine($"{file.Revisions} {file.StaleBytes} {file.MessageLength} {node.GpuId} {node.Id} {node.DrmRenderMinor} {node.NumOfBos} {node.NumOfObjects} {node.NumOfBosOffset} {Convert.ToHexString(node.PrivData?.ToArray() ?? [])}");
        foreach (CriuProblem problem in file.Problems)
        {
            text.AppendLine(problem.ToString());
        }

        foreach (CriuBoEntry bo in node.Bos)
        {
            text.AppendLine($"{bo with { VmEntries = [] }} {string.Join(",", bo.VmEntries)}");
        }

        return text.ToString();
    }
}
