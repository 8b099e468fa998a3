using System.Text.Json;
using System.Text.Json.Nodes;
using CriuImage.MessagePack;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Our codec against an independent implementation: Debian's python3-msgpack.</summary>
public class MessagePackCrossCheckTests
{
    [Fact]
    public void PythonMsgpack_ReencodesWhatWeWrite_ToTheSameBytes()
    {
        var random = new Random(20251122);
        var expected = new List<string>();
        byte[] buffer = new byte[1 << 20];
        using var all = new MemoryStream();
        for (int i = 0; i < 3000; i++)
        {
            var writer = new MessagePackWriter(buffer);
            switch (i % 6)
            {
                case 0: writer.WriteUInt64((ulong)random.NextInt64() >> random.Next(64)); break;
                case 1: writer.WriteUInt64(i < 600 ? (1UL << (i % 64)) - (ulong)(i % 3) : ulong.MaxValue - (ulong)i); break;
                case 2: writer.WriteString(new string('x', random.Next(2) == 0 ? random.Next(40) : random.Next(70000))); break;
                case 3: writer.WriteBinary(new byte[random.Next(2) == 0 ? random.Next(300) : random.Next(70000)]); break;
                case 4:
                    int count = random.Next(2) == 0 ? random.Next(20) : random.Next(70000);
                    writer.WriteArrayHeader((uint)count);
                    for (int k = 0; k < count; k++)
                    {
                        writer.WriteUInt64((ulong)k);
                    }

                    break;
                default:
                    writer.WriteMapHeader(2);
                    writer.WriteString("nil");
                    writer.WriteNil();
                    writer.WriteString("bool");
                    writer.WriteBoolean(random.Next(2) == 0);
                    break;
            }

            expected.Add(Convert.ToHexString(buffer, 0, writer.Written).ToLowerInvariant());
            all.Write(buffer, 0, writer.Written);
        }

        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, all.ToArray());
            string[] repacked = PythonRunner.Run("msgpack_crosscheck.py", "repack", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(expected, repacked);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WeDecode_WhatPythonMsgpackWrites()
    {
        string[] lines = PythonRunner.Run("msgpack_crosscheck.py", "generate", "424242", "1500").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1500, lines.Length);
        int negatives = 0;
        foreach (string line in lines)
        {
            JsonNode sample = JsonNode.Parse(line)!;
            byte[] bytes = Convert.FromHexString(sample["hex"]!.GetValue<string>());
            JsonNode? expected = sample["value"];
            if (expected is JsonValue v && v.TryGetValue(out long n) && n < 0)
            {
                // Our format has no signed integers: a negative one must be rejected with its offset.
                ImageFormatException e = Assert.Throws<ImageFormatException>(() => new MessagePackReader(bytes, 0, null).ReadUInt64("value"));
                Assert.Equal(0, e.ByteOffset);
                negatives++;
                continue;
            }

            var reader = new MessagePackReader(bytes, 0, null);
            JsonNode? actual = Decode(ref reader, bytes);
            Assert.True(reader.End, $"not all of {sample["hex"]} was read");
            Assert.True(JsonNode.DeepEquals(expected, actual), $"{line} decoded as {actual?.ToJsonString()}");
        }

        Assert.True(negatives > 0, "the generator must exercise negative integers");
    }

    /// <summary>Decodes any value of the subset into the generator's JSON model, using only the reader's public surface.</summary>
    private static JsonNode? Decode(ref MessagePackReader reader, byte[] bytes)
    {
        byte code = bytes[reader.Consumed];
        switch (code)
        {
            case 0xc0:
                reader.TryReadNil();
                return null;
            case 0xc2 or 0xc3:
                return JsonValue.Create(reader.ReadBoolean("bool"));
            case <= 0x7f or (>= 0xcc and <= 0xd3):
                return JsonValue.Create(reader.ReadUInt64("int"));
            case (>= 0xa0 and <= 0xbf) or 0xd9 or 0xda or 0xdb:
                return JsonValue.Create(reader.ReadString("str", int.MaxValue));
            case 0xc4 or 0xc5 or 0xc6:
                return new JsonObject { ["bin"] = Convert.ToHexString(reader.ReadBinary("bin")).ToLowerInvariant() };
            case (>= 0x90 and <= 0x9f) or 0xdc or 0xdd:
                int count = reader.ReadArrayHeader("array");
                var array = new JsonArray();
                for (int i = 0; i < count; i++)
                {
                    array.Add(Decode(ref reader, bytes));
                }

                return array;
            case (>= 0x80 and <= 0x8f) or 0xde or 0xdf:
                int entries = reader.ReadMapHeader("map");
                var pairs = new JsonArray();
                for (int i = 0; i < entries; i++)
                {
                    JsonNode? key = Decode(ref reader, bytes);
                    pairs.Add(new JsonArray(key, Decode(ref reader, bytes)));
                }

                return new JsonObject { ["map"] = pairs };
            default:
                throw new JsonException($"unexpected format byte {code:x2}");
        }
    }
}
