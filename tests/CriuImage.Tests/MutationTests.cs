using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// Thousands of seeded mutations and truncations of the fixtures: every one either reads to the end or
/// fails with <see cref="ImageFormatException"/>; no other exception, no hang.
/// </summary>
public class MutationTests
{
    public static TheoryData<string> Fixtures => [.. RepoPaths.FixtureNames];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task SeededMutations_ReadOrFailWithOurException(string fixture)
    {
        byte[] original = Images.Fixture(fixture);
        var random = new Random(fixture.GetHashCode(StringComparison.Ordinal) ^ 0x5EED);
        int failures = 0;
        for (int i = 0; i < 2500; i++)
        {
            byte[] mutated = Mutate(original, random);
            try
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Images.ReadAllRecordsAsync(new MemoryStream(mutated)).WaitAsync(cancel.Token);
            }
            catch (ImageFormatException e)
            {
                Assert.InRange(e.ByteOffset, 0, mutated.Length);
                failures++;
            }
        }

        Assert.True(failures > 2000, $"only {failures} of 2500 mutations were caught: the checks are too weak");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 3:
                int at = random.Next(bytes.Length);
                return [.. bytes[..at], .. bytes[random.Next(bytes.Length)..]];
            case 4:
                int from = random.Next(bytes.Length - 4);
                bytes.AsSpan(from, 4).Fill(0xFF);
                return bytes;
            default:
                for (int k = random.Next(1, 8); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                }

                return bytes;
        }
    }
}
