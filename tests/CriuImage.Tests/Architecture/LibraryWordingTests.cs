using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using CriuImage.Diagnostics;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Architecture;

/// <summary>
/// The library speaks to callers who never typed the command line (a dumper in C#, libcriuimage): none of its strings
/// names one of the CLI's options or commands. What the CLI would say there is a <see cref="Remedy"/> the library
/// names as data and the CLI words (<c>CliRemedyWords</c>). The options and commands are read from the CLI's own help,
/// the strings from the compiled library (every literal and constant), so neither list can drift.
/// </summary>
public sealed partial class LibraryWordingTests
{
    /// <summary>Strings of the library that name an option of another tool, spelled like one of ours, with the reason.</summary>
    private static readonly (string Fragment, string Why)[] OtherTools =
    [
        ("--format=pax -S", "GNU tar's options, in the advice to re-create a sparse archive"),
    ];

    [Fact]
    public async Task NoLibraryString_NamesAnOptionOfTheCli()
    {
        IReadOnlyList<string> options = await CliOptions();
        Assert.Contains("--target-kernel", options);
        Assert.Contains("--follow-symlinks", options);
        string[] naming = Naming(options, NamesOption);
        Assert.True(naming.Length == 0, $"library strings that name a CLI option (give a Remedy, and the words to CliRemedyWords):\n{string.Join('\n', naming)}");
    }

    [Fact]
    public async Task NoLibraryString_NamesACommandOfTheCli()
    {
        IReadOnlyList<string> commands = await CliCommands();
        Assert.Contains("import", commands);
        Assert.Contains("verify", commands);

        // A command is named as the CLI's users name it: after the tool's name, quoted, or as the one that does
        // something for them ("verify says where", "as decode writes them").
        string[] naming = Naming(commands, (text, command) =>
            text.Contains($"criu-image {command}", StringComparison.Ordinal) || text.Contains($"'{command}'", StringComparison.Ordinal) || text.Contains($"`{command}`", StringComparison.Ordinal)
            || Regex.IsMatch(text, $@"\b{Regex.Escape(command)} (says|writes|reads|converts|turns|lists|shows|prints)\b"));
        Assert.True(naming.Length == 0, $"library strings that name a CLI command (give a Remedy, and the words to CliRemedyWords):\n{string.Join('\n', naming)}");
    }

    [Fact]
    public void TheExceptions_AreStillInTheLibrary()
    {
        // An entry of OtherTools that no string holds any more is stale.
        string[] strings = [.. LibraryStrings()];
        Assert.All(OtherTools, other => Assert.Contains(strings, s => s.Contains(other.Fragment, StringComparison.Ordinal)));
    }

    [Fact]
    public void TheLibraryWords_NameNoOption_AndTheCliWords_DifferWhereTheyNameOne()
    {
        var cli = (RemedyWords)typeof(CriuImage.Analyzer.Cli.CliRemedyWords).GetProperty("Instance")!.GetValue(null)!;
        foreach (Remedy remedy in Enum.GetValues<Remedy>())
        {
            string library = RemedyWords.Library.For(remedy);
            Assert.DoesNotContain("--", library, StringComparison.Ordinal);
            Assert.DoesNotContain("criu-image", library, StringComparison.Ordinal);
            Assert.NotEqual(library, cli.For(remedy));
        }
    }

    [Fact]
    public async Task AHostOfTheCommands_GetsTheLibrarysWords()
    {
        // libcriuimage runs verify in-process: a render node whose target kernel's CHANGE_HANDLE is unknown (CRI420)
        // is reported without the CLI's --kernel-has, which its callers cannot give.
        string node = CriuFixtures.Path_("criu-dev/amdgpu-renderD-7.img");
        string[] args = ["verify", "--format", "json", "--target-kernel", "6.18.0-1-amd64", node];
        (_, string cliReport, _) = await Cli.Run(args);
        using var output = new StringWriter();
        using var error = new StringWriter();
        await CriuImage.Analyzer.Program.RunAsync(args, output, error, RemedyWords.Library);
        string hostReport = output.ToString();

        Assert.Contains("CRI420", cliReport, StringComparison.Ordinal);
        Assert.Contains("--kernel-has change-handle=yes|no", cliReport, StringComparison.Ordinal);
        Assert.Contains("CRI420", hostReport, StringComparison.Ordinal);
        Assert.DoesNotContain("--kernel-has", hostReport, StringComparison.Ordinal);
        Assert.Contains(RemedyWords.Library.For(Remedy.ChangeHandle), hostReport, StringComparison.Ordinal);
    }

    /// <summary>Each library string (less the other tools' options it may name) that names one of <paramref name="names"/>, with the name.</summary>
    private static string[] Naming(IReadOnlyList<string> names, Func<string, string, bool> namesIt) =>
        [.. LibraryStrings()
            .Select(s => OtherTools.Aggregate(s, (text, other) => text.Replace(other.Fragment, "", StringComparison.Ordinal)))
            .SelectMany(s => names.Where(n => namesIt(s, n)).Select(n => $"{n} in \"{s}\""))
            .Distinct().Order(StringComparer.Ordinal)];

    /// <summary>True when <paramref name="text"/> holds <paramref name="option"/> as a whole token (<c>--host</c> is not in <c>--hosts</c>).</summary>
    private static bool NamesOption(string text, string option)
    {
        for (int at = text.IndexOf(option, StringComparison.Ordinal); at >= 0; at = text.IndexOf(option, at + 1, StringComparison.Ordinal))
        {
            int end = at + option.Length;
            if (end == text.Length || !(char.IsAsciiLetterOrDigit(text[end]) || text[end] == '-'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every string literal (the user-string heap: interpolation parts included) and string constant of the library.</summary>
    private static IEnumerable<string> LibraryStrings()
    {
        using var file = File.OpenRead(typeof(ImageReader).Assembly.Location);
        using var pe = new PEReader(file);
        MetadataReader metadata = pe.GetMetadataReader();
        var strings = new List<string>();
        for (UserStringHandle handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            strings.Add(metadata.GetUserString(handle));
        }

        foreach (ConstantHandle handle in Enumerable.Range(1, metadata.GetTableRowCount(TableIndex.Constant)).Select(MetadataTokens.ConstantHandle))
        {
            Constant constant = metadata.GetConstant(handle);
            if (constant.TypeCode == ConstantTypeCode.String)
            {
                strings.Add(metadata.GetBlobReader(constant.Value).ReadUTF16(metadata.GetBlobReader(constant.Value).Length));
            }
        }

        Assert.Contains(strings, s => s.StartsWith("not a criu-image file", StringComparison.Ordinal));
        return strings;
    }

    private static async Task<IReadOnlyList<string>> CliCommands()
    {
        (_, string help, _) = await Cli.Run("--help");
        return [.. Section(help, "Commands:").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])];
    }

    private static async Task<IReadOnlyList<string>> CliOptions()
    {
        var options = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string command in (string[])["", .. await CliCommands()])
        {
            (_, string help, _) = command.Length == 0 ? await Cli.Run("--help") : await Cli.Run(command, "--help");
            foreach (string line in Section(help, "Options:"))
            {
                options.UnionWith(OptionName().Matches(line.Split("  ", StringSplitOptions.RemoveEmptyEntries)[0]).Select(m => m.Value));
            }
        }

        return [.. options];
    }

    /// <summary>The entries of a help section: its indented lines up to the next heading.</summary>
    private static IEnumerable<string> Section(string help, string heading) =>
        help.Split('\n').SkipWhile(line => line != heading).Skip(1).TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Where(line => line.Length > 2 && line[2] != ' ');

    [GeneratedRegex("--[a-z][a-z0-9-]*")]
    private static partial Regex OptionName();
}
