using System.Text.RegularExpressions;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Diagnostics;

/// <summary>The codes, kept one file per family, still make one list; each names its source; the restore family carries its kernel checks.</summary>
public sealed partial class DescriptorsTests
{
    [Fact]
    public void All_IsEveryDocumentedCode_OnceInIdOrder()
    {
        // Static fields of a partial class in several files are set in no defined order; All must see every one.
        string docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md"));
        string[] documented = [.. Section().Matches(docs).Select(m => m.Groups[1].Value)];
        Assert.All(Descriptors.All, Assert.NotNull);
        Assert.Equal(documented.Order(StringComparer.Ordinal), Descriptors.All.Select(d => d.Id));
    }

    [Fact]
    public void KernelChecks_BelongToErrorsOfTheRestoreFamily()
    {
        DiagnosticDescriptor[] family = [.. Descriptors.All.Where(d => d.Check is not null)];
        Assert.NotEmpty(family);
        Assert.All(family, d => Assert.Equal(Severity.Error, d.Severity));
        Assert.All(family, d => Assert.Matches("^(-E[A-Z]+( or differs)?|differs)$", d.Check!.Outcome));
        Assert.Contains(Descriptors.MappingOverlap, family);
        Assert.DoesNotContain(Descriptors.NotAnImage, family);
    }

    [Fact]
    public void EveryCode_NamesItsSource_AsItsSectionOfTheDocsDoes()
    {
        string docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md"));
        Match[] headings = [.. Section().Matches(docs).Cast<Match>()];
        var sections = headings.Select((m, i) => (Id: m.Groups[1].Value, Text: docs[m.Index..(i + 1 < headings.Length ? headings[i + 1].Index : docs.Length)]))
            .ToDictionary(s => s.Id, s => Flat(s.Text), StringComparer.Ordinal);
        Assert.All(Descriptors.All, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Source), $"{d.Id} has no Source");
            Assert.Contains(Flat(d.Source!), sections[d.Id], StringComparison.Ordinal);
        });
    }

    [Fact]
    public void HexNumbers_AreLowerCase_InEveryTextACodeOrKernelProfilePrints()
    {
        // One case everywhere (issue 20): CRI416's text said "nr 0xD2" where every other ioctl number is lower case.
        string[] texts =
        [
            .. Descriptors.All.SelectMany(d => new[] { d.Title, d.Check?.Kernel ?? "" }),
            .. Kernel.KernelProfile.All.Select(p => p.ChangeHandleSource),
            File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "CriuImage", "Kernel", "restore-facts.json")),
        ];
        Assert.All(texts, t => Assert.DoesNotMatch(UpperHex(), t));
    }

    /// <summary>Markdown as prose: no code spans, one space between words (sections wrap their lines anywhere).</summary>
    private static string Flat(string text) => string.Join(' ', text.Replace("`", "", StringComparison.Ordinal).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"\b0x[0-9a-f]*[A-F][0-9A-Fa-f]*\b")]
    private static partial Regex UpperHex();

    [GeneratedRegex(@"^## (CRI\d{3}):", RegexOptions.Multiline)]
    private static partial Regex Section();
}
