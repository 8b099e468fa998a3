using System.Formats.Tar;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>
/// Damaged snapshots and archives end in one <see cref="TopologyFormatException"/> (or a verdict), never in
/// another exception, a hang or an unbounded allocation (CWE-20, CWE-400).
/// </summary>
public sealed class TopologyMutationTests : TempFolder
{
    [Fact]
    public void MutatedSnapshots_AreReadOrRefusedCleanly()
    {
        var bytes = new MemoryStream();
        HostSnapshot.Write(Path.Combine(RepoPaths.Fixtures, "topology", "mi300x-2"), bytes, "6.8.0");
        Mutate(bytes.ToArray(), "host.snapshot", 600);
    }

    [Fact]
    public void MutatedTars_AreReadOrRefusedCleanly()
    {
        var bytes = new MemoryStream();
        string root = Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2");
        using (var writer = new TarWriter(bytes, leaveOpen: true))
        {
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                writer.WriteEntry(file, "topology/" + Path.GetRelativePath(root, file).Replace('\\', '/'));
            }
        }

        Mutate(bytes.ToArray(), "host.tar", 200);
    }

    private void Mutate(byte[] original, string name, int rounds)
    {
        var random = new Random(11);
        string path = Path.Combine(Folder, name);
        KfdTopology source = HostTopology.Load(Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2")).AsCheckpointed();
        for (int round = 0; round < rounds; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int i = random.Next(1, 4); i > 0; i--)
            {
                int at = random.Next(bytes.Length);
                bytes[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)'\n', _ => (byte)'9' };
            }

            File.WriteAllBytes(path, random.Next(4) == 0 ? bytes[..random.Next(bytes.Length)] : bytes);
            try
            {
                HostCheck.Run(source, path, MatchEnvironment.Default);
            }
            catch (TopologyFormatException)
            {
            }
        }
    }
}
