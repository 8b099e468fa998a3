using System.Diagnostics;
using CriuImage.Format;
using CriuImage.Tests.Support;
using CriuImage.Verification;
using Xunit.Abstractions;

namespace CriuImage.Tests;

/// <summary>The scanner's cost grows with the bytes, not with the damage or the framing.</summary>
public sealed class ScannerCostTests : TempFolder
{
    private readonly ITestOutputHelper _output;

    public ScannerCostTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void SixteenMebibytesOfFrameMarkers_ResyncInLinearTime()
    {
        byte[] start = new RawImage().Header().ToArray();
        byte[] markers = new byte[16 * 1024 * 1024];
        for (int i = 0; i < markers.Length; i += 4)
        {
            FrameHeader.Marker.CopyTo(markers.AsSpan(i));
        }

        string path = Path.Combine(Folder, "markers.img");
        File.WriteAllBytes(path, [.. start, .. markers]);
        var clock = Stopwatch.StartNew();
        FileReport report = ImageVerifier.Verify(path, "markers.img");
        clock.Stop();
        _output.WriteLine($"16 MiB of markers: {clock.ElapsedMilliseconds} ms");
        Assert.Contains(report.Diagnostics, d => d.Descriptor.Id == "CRI013");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task OneMappingFrames_VerifyAtMostThreeTimesSlowerThanCanonicalFraming()
    {
        const int mappings = 300_000;
        const string bo = "99 00 01 CE40000000 C0 00 04 00 C0 CE000493E0"; // handle 1, 1 GiB, 300,000 mappings
        var oneEach = new RawImage().Header().Records(1, bo);
        var vms = new List<VmRecord>(mappings);
        for (int i = 0; i < mappings; i++)
        {
            var vm = new VmRecord((ulong)(0x1000 + i), (ulong)(0x1000 + i), (ulong)i * 4096, 0x71);
            vms.Add(vm);
            byte[] record = new byte[RecordCodec.MaxVmRecordLength];
            oneEach.Frame(FrameKind.Records, 1, record[..RecordCodec.WriteVm(record, vm)]);
        }

        string framed = Path.Combine(Folder, "framed.img");
        string canonical = Path.Combine(Folder, "canonical.img");
        File.WriteAllBytes(framed, oneEach.Trailer(1, mappings).ToArray());
        File.WriteAllBytes(canonical, await Images.WriteAsync(
            new ImageHeader(Abi.AbiRevision.CriuV8) { ImageId = RawImage.DefaultImageId },
            [new BoEntry(new BoRecord(1, 1UL << 30, null, 0, 4, 0, null, mappings), [.. vms])]));

        TimeSpan Best(string path)
        {
            TimeSpan best = TimeSpan.MaxValue;
            for (int run = 0; run < 3; run++)
            {
                var clock = Stopwatch.StartNew();
                FileReport report = ImageVerifier.Verify(path, path);
                clock.Stop();
                Assert.Equal((ulong)mappings, report.Mappings);
                best = clock.Elapsed < best ? clock.Elapsed : best;
            }

            return best;
        }

        TimeSpan normal = Best(canonical);
        TimeSpan perFrame = Best(framed);
        _output.WriteLine($"canonical {normal.TotalMilliseconds:F0} ms, one mapping per frame {perFrame.TotalMilliseconds:F0} ms: {perFrame / normal:F1}x");
        Assert.True(perFrame < normal * 3, $"one mapping per frame took {perFrame / normal:F1}x canonical framing");
    }
}
