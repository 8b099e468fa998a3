using BenchmarkDotNet.Attributes;
using CriuImage.Verification;
using CriuImage.Tests.Support.Protobuf;
using CriuImage.Format;
using Google.Protobuf;

namespace CriuImage.Bench;

/// <summary>The BenchmarkDotNet form of the reading comparison (<c>bdn --filter *Reader*</c>).</summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private byte[] _image = [];
    private byte[] _protobuf = [];

    [Params(100_000, 1_000_000)]
    public int Mappings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var workload = new Workload(Mappings);
        _image = workload.ToImage();
        _protobuf = workload.ToProtobuf().ToByteArray();
    }

    [Benchmark(Baseline = true)]
    public ulong ImageReaderRecords()
    {
        ImageReader reader = ImageReader.Create(new MemoryStream(_image));
        reader.ReadHeaderAsync().AsTask().GetAwaiter().GetResult();
        ulong records = 0;
        while (reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryReadRecord(out RecordTag _))
            {
                records++;
            }
        }

        return records;
    }

    [Benchmark]
    public int ReadAndVerify() => ImageVerifier.Verify(_image, "bench.img").Diagnostics.Count;

    [Benchmark]
    public int ProtobufParse() => criu_render_node.Parser.ParseFrom(_protobuf).BoEntries.Count;
}
