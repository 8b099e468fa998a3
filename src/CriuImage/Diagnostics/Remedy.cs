namespace CriuImage.Diagnostics;

/// <summary>
/// Something the caller can give or do that settles what a message reports as unknown, skipped or chosen. The
/// library names it as data; the words come from the caller (<see cref="RemedyWords"/>): a library caller never
/// typed the command line's options, so the library's own words name none.
/// </summary>
internal enum Remedy
{
    /// <summary>CRI418: the target's kernel is not known; naming it settles which calls it has.</summary>
    TargetKernel,

    /// <summary>CRI420: whether the target kernel has DRM_IOCTL_GEM_CHANGE_HANDLE is unknown; the caller can say.</summary>
    ChangeHandle,

    /// <summary>Files that are neither kind a reader examines are only counted in text; the JSON report lists them.</summary>
    SkippedListed,

    /// <summary>A restore plan made without a host has no GPU map.</summary>
    NoHost,

    /// <summary>A symbolic link inside a folder is not followed unless the caller asks.</summary>
    FollowSymlinks,

    /// <summary>The CRIU version a replay runs was chosen by the caller.</summary>
    CriuChosen,

    /// <summary>The KFD contents path a replay runs was chosen by the caller.</summary>
    ContentsChosen,

    /// <summary>The dump does not say the KFD contents path; the caller can have the serial one replayed.</summary>
    SerialContents,

    /// <summary>A capture met a driver without the calls of its interface revision; another revision may fit.</summary>
    OtherAbi,

    /// <summary>A capture could not stop the process; one that does not stop it reads a state that may move.</summary>
    NoFreeze,

    /// <summary>A capture found no render-node descriptor, or several, in the process: the caller names the one to read.</summary>
    NameDescriptor,

    /// <summary>A criu-image file handed to a reader of another kind: what reads it.</summary>
    ReadsImage,

    /// <summary>A CRIU amdgpu plugin image handed to the criu-image reader: what reads it.</summary>
    ReadsPluginImage,

    /// <summary>A JSON document handed to the criu-image reader: what turns it into an image.</summary>
    ReadsJson,

    /// <summary>A JSON document read from a pipe must have its header keys before its BOs: what writes them so.</summary>
    HeaderKeysFirst,

    /// <summary>A CRIU message protobuf-c cannot unpack: what says where it breaks.</summary>
    SaysWhere,
}
