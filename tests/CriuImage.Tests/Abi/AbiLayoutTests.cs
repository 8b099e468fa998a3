using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.Abi;

namespace CriuImage.Tests;

/// <summary>The blittable structs must have the kernel's x86-64 layout (sizes and offsets checked with gcc, see the ABI reference).</summary>
public class AbiLayoutTests
{
    [Fact]
    public void Sizes_MatchTheKernelStructs()
    {
        Assert.Equal(40, Unsafe.SizeOf<Criu202506BoBucket>());
        Assert.Equal(32, Unsafe.SizeOf<CriuV8BoBucket>());
        Assert.Equal(32, Unsafe.SizeOf<CriuVmBucket>());
        Assert.Equal(16, Unsafe.SizeOf<CriuBoInfoArgs>());
        Assert.Equal(16, Unsafe.SizeOf<CriuMappingInfoArgs>());
        Assert.Equal(16, Unsafe.SizeOf<GemListHandlesArgs>());
        Assert.Equal(40, Unsafe.SizeOf<GemListHandlesEntry>());
        Assert.Equal(24, Unsafe.SizeOf<GemOpArgs>());
        Assert.Equal(32, Unsafe.SizeOf<GemVmEntry>());
        Assert.Equal(32, Unsafe.SizeOf<VmRecord>());
    }

    [Theory]
    [InlineData(typeof(Criu202506BoBucket), "Size", 0)]
    [InlineData(typeof(Criu202506BoBucket), "Offset", 8)]
    [InlineData(typeof(Criu202506BoBucket), "AllocFlags", 16)]
    [InlineData(typeof(Criu202506BoBucket), "PreferredDomains", 24)]
    [InlineData(typeof(Criu202506BoBucket), "Flags", 28)]
    [InlineData(typeof(Criu202506BoBucket), "GemHandle", 32)]
    [InlineData(typeof(CriuV8BoBucket), "AllocFlags", 8)]
    [InlineData(typeof(CriuV8BoBucket), "PreferredDomains", 16)]
    [InlineData(typeof(CriuV8BoBucket), "Flags", 20)]
    [InlineData(typeof(CriuV8BoBucket), "GemHandle", 24)]
    [InlineData(typeof(CriuVmBucket), "Last", 8)]
    [InlineData(typeof(CriuVmBucket), "Offset", 16)]
    [InlineData(typeof(CriuVmBucket), "Flags", 24)]
    [InlineData(typeof(CriuMappingInfoArgs), "NumMappings", 4)]
    [InlineData(typeof(CriuMappingInfoArgs), "VmBuckets", 8)]
    [InlineData(typeof(CriuBoInfoArgs), "BoBuckets", 8)]
    [InlineData(typeof(GemListHandlesArgs), "NumEntries", 8)]
    [InlineData(typeof(GemListHandlesEntry), "Flags", 4)]
    [InlineData(typeof(GemListHandlesEntry), "Size", 8)]
    [InlineData(typeof(GemListHandlesEntry), "PreferredDomains", 16)]
    [InlineData(typeof(GemListHandlesEntry), "AllocFlags", 24)]
    [InlineData(typeof(GemListHandlesEntry), "Alignment", 32)]
    [InlineData(typeof(GemOpArgs), "Op", 4)]
    [InlineData(typeof(GemOpArgs), "Value", 8)]
    [InlineData(typeof(GemOpArgs), "NumEntries", 16)]
    [InlineData(typeof(GemVmEntry), "Size", 8)]
    [InlineData(typeof(GemVmEntry), "Flags", 24)]
    public void FieldOffsets_MatchTheKernelStructs(Type type, string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf(type, field));

    [Fact]
    public void VmRecord_ReinterpretsBothMappingStructs()
    {
        CriuVmBucket[] pages = [new() { Start = 1, Last = 2, Offset = 3, Flags = 4 }];
        VmRecord fromPages = MemoryMarshal.Cast<CriuVmBucket, VmRecord>(pages)[0];
        Assert.Equal((1UL, 2UL, 3UL, 4UL), (fromPages.Start, fromPages.Last, fromPages.Offset, fromPages.Flags));
        GemVmEntry[] bytes = [new() { Addr = 5, Size = 6, Offset = 7, Flags = 8 }];
        VmRecord fromBytes = MemoryMarshal.Cast<GemVmEntry, VmRecord>(bytes)[0];
        Assert.Equal((5UL, 6UL, 7UL, 8UL), (fromBytes.Addr, fromBytes.Size, fromBytes.Offset, fromBytes.Flags));
    }

    [Fact]
    public void RequestNumbers_FollowDrmIowr()
    {
        Assert.Equal(IoctlRequests.Criu2025_06BoInfo, IoctlRequests.DrmIowr(0x20, 16));
        Assert.Equal(IoctlRequests.Criu2025_06MappingInfo, IoctlRequests.DrmIowr(0x21, 16));
        Assert.Equal(IoctlRequests.CriuV8BoInfo, IoctlRequests.DrmIowr(0x19, 16));
        Assert.Equal(IoctlRequests.CriuV8MappingInfo, IoctlRequests.DrmIowr(0x20, 16));
        Assert.Equal(IoctlRequests.Linux6_18GemListHandles, IoctlRequests.DrmIowr(0x19, (uint)Unsafe.SizeOf<GemListHandlesArgs>()));
        Assert.Equal(IoctlRequests.Linux6_18GemOp, IoctlRequests.DrmIowr(0x10, (uint)Unsafe.SizeOf<GemOpArgs>()));
    }

    [Fact]
    public void FlagMasks_AreTheUnionsOfTheirBits()
    {
        Assert.Equal(0x3EFUL, (ulong)(VmFlags.DelayUpdate | VmFlags.PageReadable | VmFlags.PageWriteable | VmFlags.PageExecutable | VmFlags.MtypeMask | VmFlags.PageNoalloc));
        Assert.Equal(0x21EUL, (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable | VmFlags.PageExecutable | VmFlags.PagePrt | VmFlags.PageNoalloc));
        Assert.Equal((ulong)GemCreateFlags.SettableMaskLinux6_18, (ulong)(GemCreateFlags.CpuAccessRequired | GemCreateFlags.NoCpuAccess | GemCreateFlags.CpuGttUswc
            | GemCreateFlags.VramCleared | GemCreateFlags.VmAlwaysValid | GemCreateFlags.ExplicitSync | GemCreateFlags.VramWipeOnRelease | GemCreateFlags.Encrypted
            | GemCreateFlags.Discardable | GemCreateFlags.Coherent | GemCreateFlags.Uncached | GemCreateFlags.ExtCoherent | GemCreateFlags.Gfx12Dcc));
    }
}
