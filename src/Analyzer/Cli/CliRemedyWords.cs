using CriuImage.Diagnostics;

namespace CriuImage.Analyzer.Cli;

/// <summary>The command line's words for each <see cref="Remedy"/>: the option or command that settles it.</summary>
internal sealed class CliRemedyWords : RemedyWords
{
    /// <summary>The one instance every command passes.</summary>
    public static CliRemedyWords Instance { get; } = new();

    private CliRemedyWords()
    {
    }

    /// <inheritdoc/>
    public override string For(Remedy remedy) => remedy switch
    {
        Remedy.TargetKernel => "give --target-kernel",
        Remedy.ChangeHandle => "say what the kernel has with --kernel-has change-handle=yes|no",
        Remedy.SkippedListed => "--format json lists them",
        Remedy.NoHost => "no --host",
        Remedy.FollowSymlinks => "without --follow-symlinks",
        Remedy.CriuChosen => "chosen with --criu",
        Remedy.ContentsChosen => "chosen with --contents",
        Remedy.SerialContents => "--contents serial shows the other",
        Remedy.OtherAbi => "--abi names the others",
        Remedy.NoFreeze => "--no-freeze reads without stopping it",
        Remedy.NameDescriptor => "--fd names one",
        Remedy.ReadsImage => "decode, verify, info and show read it",
        Remedy.ReadsPluginImage => "'criu-image import' converts it",
        Remedy.ReadsJson => "'criu-image encode' turns it into an image",
        Remedy.HeaderKeysFirst => "as decode writes them",
        Remedy.SaysWhere => "verify says where",
        _ => base.For(remedy),
    };
}
