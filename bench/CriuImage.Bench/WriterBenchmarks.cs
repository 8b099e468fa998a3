using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CriuImage.Abi;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;
using Google.Protobuf;

namespace CriuImage.Bench;

/// <summary>The BenchmarkDotNet form of the writer comparison (<c>bdn --filter *Writer*</c>): same data, same peers as the quick table.</summary>
[MemoryDiagnoser]
public class WriterBenchmarks
{
    private Workload _workload = null!;
    private criu_render_node _message = null!;
    private CriuVmBucket[] _flat = [];
    private byte[] _copyTarget = [];

    [Params(100_000, 1_000_000)]
    public int Mappings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = new Workload(Mappings);
        _message = _workload.ToProtobuf();
        _flat = _workload.Mappings.SelectMany(m => m).ToArray();
        _copyTarget = new byte[_flat.Length * 32];
    }

    [Benchmark(Baseline = true)]
    public void ImageWriterToNullPipe()
    {
        var writer = new ImageWriter(new NullPipeWriter(), Workload.Header);
        _workload.WriteTo(writer);
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public void ProtobufBuildAndSerialize() => _workload.ToProtobuf().WriteTo(Stream.Null);

    [Benchmark]
    public void ProtobufSerializeOnly() => _message.WriteTo(Stream.Null);

    [Benchmark]
    public void RawStructCopy() => MemoryMarshal.AsBytes(_flat.AsSpan()).CopyTo(_copyTarget);
}
