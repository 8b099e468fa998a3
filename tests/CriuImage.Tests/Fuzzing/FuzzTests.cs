using System.Diagnostics;
using System.Security.Cryptography;
using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests.Fuzzing;

/// <summary>
/// The fuzzing harness in its bounded, seeded CI form (CRIU_IMAGE_FUZZ_SECONDS, default 20, and
/// CRIU_IMAGE_FUZZ_SEED, default 1, make it longer or different: scripts/fuzz.sh), and the replay of every
/// input it ever found in tests/corpus.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private static string Corpus => Path.Combine(RepoPaths.Root, "tests", "corpus");

    public static TheoryData<string> CorpusFiles => [.. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "corpus")).Where(p => !p.EndsWith(".md", StringComparison.Ordinal)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void CorpusInput_NoLongerCrashes(string name)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(Corpus, name));
        string? crash = name.EndsWith(".json", StringComparison.Ordinal) ? FuzzTargets.RunJson(input)
            : name.EndsWith(".criu", StringComparison.Ordinal) ? FuzzTargets.RunCriu(input)
            : FuzzTargets.RunImage(input);
        Assert.Null(crash);
    }

    [Fact]
    public void SeededRun_FindsNoCrash()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("CRIU_IMAGE_FUZZ_SECONDS"), out int s) ? s : 20;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CRIU_IMAGE_FUZZ_SEED"), out int r) ? r : 1;
        List<byte[]> images = SeedImages();
        List<byte[]> documents = SeedDocuments();
        List<byte[]> criu = [CriuImages.File(CriuImages.Sample()), .. Directory.EnumerateFiles(CriuFixtures.Root, "*", SearchOption.AllDirectories)
            .Where(p => CriuFixtures.IsMessageFile(p) && !p.Contains("damaged", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        var mutator = new Mutator(seed);
        var random = new Random(seed);
        var crashes = new List<string>();
        var tried = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int inputs = 0;
        while (clock.Elapsed.TotalSeconds < seconds && crashes.Count < 10)
        {
            string kind = (inputs % 10) switch
            {
                4 or 9 => "json",
                7 => "criu",
                _ => "img",
            };
            byte[] input;
            string? crash;
            if (kind == "json")
            {
                input = FuzzTargets.MutateJson(documents[random.Next(documents.Count)], random);
                crash = FuzzTargets.RunJson(input);
                Count(tried, "json-text");
            }
            else if (kind == "criu")
            {
                input = FuzzTargets.MutateCriu(criu[random.Next(criu.Count)], random);
                crash = FuzzTargets.RunCriu(input);
                Count(tried, "criu-bytes");
            }
            else
            {
                byte[] baseImage = images[random.Next(images.Count)];
                input = mutator.Mutate(baseImage, images[random.Next(images.Count)]);
                for (int more = random.Next(3); more > 0; more--)
                {
                    input = input.Length > 40 ? mutator.Mutate(input, baseImage) : input;
                }

                crash = FuzzTargets.RunImage(input);
                Count(tried, mutator.LastMutation);
            }

            inputs++;
            if (crash is not null)
            {
                string name = $"crash-{kind}-{Convert.ToHexString(SHA256.HashData(input))[..12].ToLowerInvariant()}.{kind}";
                File.WriteAllBytes(Path.Combine(Corpus, name), input);
                crashes.Add($"{name}: {crash}");
            }
        }

        output.WriteLine($"fuzz: {inputs} inputs in {clock.Elapsed.TotalSeconds:F1} s, seed {seed}: {string.Join(", ", tried.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value}"))}");
        Assert.True(crashes.Count == 0, "crashes, saved under tests/corpus:\n" + string.Join("\n", crashes));
        Assert.True(inputs > 100, $"only {inputs} inputs in {seconds} s");
    }

    private static void Count(Dictionary<string, int> tried, string kind) => tried[kind] = tried.GetValueOrDefault(kind) + 1;

    private static List<byte[]> SeedImages()
    {
        var images = RepoPaths.FixtureNames.Select(Images.Fixture).ToList();
        images.AddRange(Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.img").Select(File.ReadAllBytes));
        images.AddRange(DamagedImages.All.Values.Select(make => make()));
        var random = new RandomImages(4242);
        foreach (Abi.AbiRevision abi in Enum.GetValues<Abi.AbiRevision>())
        {
            images.Add(Images.WriteAsync(random.NextHeader(abi), random.NextBos(abi, 12, 1500)).GetAwaiter().GetResult());
        }

        return images.Where(i => i.Length > 40).ToList();
    }

    private static List<byte[]> SeedDocuments()
    {
        var documents = RepoPaths.FixtureNames.Select(Images.FixtureJson).ToList();
        documents.AddRange(Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.json").Select(File.ReadAllBytes));
        return documents;
    }
}
