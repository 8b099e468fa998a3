using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;

namespace CriuImage.Tests;

/// <summary>
/// What a render node's passes looked for is now noted as its entries are read (an import, the first num_of_vms that
/// is not the count of mappings, an entry that breaks its own rules) and its BOs' mmap ranges are gathered in the image
/// rules' walk: with the values read again from the file every command says what it says with them held, on a node
/// that breaks each of those rules somewhere past its first entry.
/// </summary>
public sealed class RenderNodeOwnRulesTests : TempFolder
{
    [Fact]
    public async Task EveryCommand_SaysTheSame_WithTheValuesReadAgain_OnANodeThatBreaksEachRule()
    {
        criu_render_node node = RenderNodeStoreTests.Node(3_000, i => i % 4);
        node.BoEntries[1_200].NumOfVms = 7;
        node.BoEntries[2_101].NumOfVms = 0;
        node.BoEntries[1_500].Addr = 0x1234_5000;
        node.BoEntries[2_500].Offset = node.BoEntries[2_499].Offset;
        node.BoEntries[2_700].Offset = ulong.MaxValue - 0xFFF;
        node.BoEntries[2_700].Size = 0x2000;
        string path = Path.Combine(Folder, "amdgpu-renderD-7.img");
        await File.WriteAllBytesAsync(path, CriuImages.File(node));

        string[][] runs =
        [
            ["verify", path], ["verify", "--format", "json", "--max-findings", "0", path], ["plan", path], ["plan", "--format", "json", path],
            ["restorable", path], ["info", path], ["import", path, "-o", "-"],
        ];
        string said = "";
        foreach (string[] args in runs)
        {
            said += await RenderNodeRereadTests.SaysTheSameReadAgain(args);
        }

        // Each rule was met: the collision and the range beyond 64 bits (CRI104), the counts (CRI3xx), the addr rule.
        Assert.Contains("runs beyond 64 bits", said, StringComparison.Ordinal);
        Assert.Contains("collides with BO 2500", said, StringComparison.Ordinal);
        Assert.Contains("num_of_vms of BO 1201 says 7", said, StringComparison.Ordinal);
        Assert.Contains("num_of_vms of BO 2102 says 0", said, StringComparison.Ordinal);
        Assert.Contains("BO 1501 has addr 0x12345000", said, StringComparison.Ordinal);

        // As before the ranges were gathered in the walk: a range beyond 64 bits is said before the collisions.
        Assert.True(said.IndexOf("runs beyond 64 bits", StringComparison.Ordinal) < said.IndexOf("collides with BO 2500", StringComparison.Ordinal));
    }
}
