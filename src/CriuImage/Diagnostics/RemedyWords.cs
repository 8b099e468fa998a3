namespace CriuImage.Diagnostics;

/// <summary>
/// The words for each <see cref="Remedy"/>: <see cref="Library"/> speaks to a library caller (the options it sets,
/// the readers it calls); the command line passes its own, which name its options and commands. Carried by
/// <c>VerifyOptions</c>, <c>ReplayOptions</c> and <c>InputOptions</c>, and given to the renderers that need them.
/// </summary>
internal class RemedyWords
{
    /// <summary>The library's words: no option or command of any tool.</summary>
    public static RemedyWords Library { get; } = new();

    /// <summary>The words for <paramref name="remedy"/>, a phrase the message sets in its own sentence.</summary>
    public virtual string For(Remedy remedy) => remedy switch
    {
        Remedy.TargetKernel => "name the target kernel",
        Remedy.ChangeHandle => "say whether the kernel has it",
        Remedy.SkippedListed => "the JSON report lists them",
        Remedy.NoHost => "no host",
        Remedy.FollowSymlinks => "unless links are followed",
        Remedy.CriuChosen => "chosen by the caller",
        Remedy.ContentsChosen => "chosen by the caller",
        Remedy.SerialContents => "a replay of the serial path shows the other",
        Remedy.OtherAbi => "another interface revision may fit",
        Remedy.NoFreeze => "a capture that does not stop the process needs no ptrace of it",
        Remedy.NameDescriptor => "name the descriptor to read by its number",
        Remedy.ReadsImage => "ImageReader and ImageVerifier read it",
        Remedy.ReadsPluginImage => "the CRIU dump readers read it",
        Remedy.ReadsJson => "the JSON interchange reader turns it into an image",
        Remedy.HeaderKeysFirst => "as JsonImageDecoder writes them",
        Remedy.SaysWhere => "DumpVerifier says where",
        _ => throw new ArgumentOutOfRangeException(nameof(remedy), remedy, null),
    };
}
