using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Verification;

/// <summary>
/// Verifies the CRIU amdgpu files of one folder (one dump): each file on its own (header, protobuf-c's
/// view of the message, the rules <c>verify</c> applies to our images for each render node's BOs and
/// mappings), then the rules across files (<see cref="DumpCrossRules"/>). Each file gets its own report,
/// so a finding always names its file. Contents files are judged by their length, never read.
/// </summary>
public static class DumpVerifier
{
    /// <summary>Verifies <paramref name="dump"/>; <paramref name="complete"/> says whether its folder was searched (so a file it lacks is missing, not just unnamed).</summary>
    /// <param name="dump">The files of one dump.</param>
    /// <param name="complete">Whether the dump's whole folder was searched.</param>
    /// <param name="options">The restore target of the render nodes' rules and the findings listed; null: <see cref="VerifyOptions.Default"/>.</param>
    public static List<FileReport> Verify(CriuDump dump, bool complete, VerifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dump);
        options ??= VerifyOptions.Default;
        KernelProfile? target = options.Target ?? options.Host?.Profile;
        var bags = dump.Files.ToDictionary(f => f, _ => new DiagnosticBag(options.MaxFindingsPerCode));
        var verdicts = new Dictionary<CriuDumpFile, Topology.HostVerdict>();
        foreach (CriuDumpFile file in dump.Files)
        {
            CheckFile(file, bags[file], target);
            // A message protobuf-c cannot unpack stops the restore before any matching (CRI304 says so).
            if (options.Host is { } host && file.Kfd is { } kfd && !kfd.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))
            {
                verdicts[file] = HostRules.CheckKfd(kfd.Message, host, bags[file]);
            }
            else if (file.RenderNode is { } node && (options.Host is not null || target is not null))
            {
                HostRules.CheckRenderNode(node, options.Host, target, bags[file], options.Words);
            }
        }

        DumpCrossRules.Check(dump, complete, options.KfdVm, file => bags[file]);
        (IReadOnlyList<(CriuDumpFile File, Diagnostic Finding)> replayed, ReplayStop? stop) = options.DumpVerdict?.Invoke(dump, complete) ?? (options.DumpReplay?.Invoke(dump, complete) ?? [], null);
        foreach ((CriuDumpFile file, Diagnostic finding) in replayed)
        {
            bags[file].Add(finding);
        }

        // CRIU stops at the first error: what the restore would meet after it is said as what follows once it is fixed.
        foreach ((CriuDumpFile file, DiagnosticBag bag) in stop is null ? [] : bags)
        {
            List<Diagnostic> listed = bag.Listed;
            for (int i = 0; i < listed.Count; i++)
            {
                listed[i] = stop!.Said(listed[i], file.FileName);
            }
        }

        return [.. dump.Files.Select(f => Report(f, bags[f]) with { Host = verdicts.GetValueOrDefault(f), Holders = HeldBy(dump, f) })];
    }

    /// <summary>The tasks and descriptors that hold a KFD image, render node or dma-buf file, where the dump's fdinfo images say.</summary>
    private static IReadOnlyList<TaskFd>? HeldBy(CriuDump dump, CriuDumpFile file) =>
        dump.TaskFiles is { } held && file.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf && held.Holders(file.Name.Id) is { Count: > 0 } holders
            ? holders
            : null;

    private static FileReport Report(CriuDumpFile file, DiagnosticBag bag)
    {
        FindingSummary summary = bag.Summary();
        // A message protobuf-c cannot unpack is unreadable to CRIU, whatever the lenient reader made of it.
        FileStatus status = file.UnreadableToCriu is not null ? FileStatus.Unreadable : summary.Total == 0 ? FileStatus.Ok : FileStatus.Findings;
        // Counted as the entries were read: a node read again from its file is not walked for a total.
        ulong mappings = file.RenderNode is { } node ? (ulong)node.Message.Entries.Mappings : 0;

        bool message = file.Kfd is not null || file.RenderNode is not null || file.Dmabuf is not null;
        return new FileReport(file.Input.Path, status, bag.Listed, mappings)
        {
            Summary = summary,
            NotListed = bag.NotListed(),
            CriuRevision = message ? CriuRevisionNames.Describe(file.Revisions) : null,
        };
    }

    private static void CheckFile(CriuDumpFile file, DiagnosticBag bag, KernelProfile? target)
    {
        switch (file.Damage)
        {
            case CriuDamage.TooShort:
                bag.Add(new Diagnostic(Descriptors.CriuFileTooShort, file.DamageDetail!.Detail) { ByteOffset = file.DamageDetail.ByteOffset });
                return;
            case CriuDamage.Truncated:
                bag.Add(new Diagnostic(Descriptors.CriuMessageTruncated, file.DamageDetail!.Detail) { ByteOffset = file.DamageDetail.ByteOffset });
                return;
            case CriuDamage.Wire:
                bag.Add(new Diagnostic(Descriptors.CriuUnpackFails, $"protobuf-c's unpack fails: {file.DamageDetail!.Detail}") { ByteOffset = file.DamageDetail.ByteOffset });
                return;
        }

        IReadOnlyList<CriuProblem> problems = file.Kfd?.Problems ?? file.RenderNode?.Problems ?? file.Dmabuf?.Problems ?? [];
        foreach (CriuProblem problem in problems)
        {
            bag.Add(new Diagnostic(problem.Kind == CriuProblemKind.Unpack ? Descriptors.CriuUnpackFails : Descriptors.CriuUint32Truncated, problem.Message) { ByteOffset = problem.ByteOffset });
        }

        long stale = file.Kfd?.StaleBytes ?? file.RenderNode?.StaleBytes ?? file.Dmabuf?.StaleBytes ?? 0;
        if (stale > 0)
        {
            long at = CriuHeader.Size + (long)file.Header!.Value;
            bag.Add(new Diagnostic(Descriptors.CriuStaleBytes, $"{stale} bytes follow the {file.Header} bytes of the message; CRIU reads the header's length and ignores them (left by an earlier dump into the same folder?)") { ByteOffset = at });
        }

        if (file.Revisions == CriuRevisions.None && !problems.Any(p => p.Kind == CriuProblemKind.Unpack))
        {
            bag.Add(new Diagnostic(Descriptors.CriuRevisionMismatch, "no CRIU revision writes this message: its entries carry the fields of different schema revisions") { ByteOffset = CriuHeader.Size });
        }

        // protobuf-c returns no message at all: the values read leniently are not the file's to judge further.
        if (file.RenderNode is { } node && !problems.Any(p => p.Kind == CriuProblemKind.Unpack))
        {
            RenderNodeRules.Check(node, file.Input.Path, bag, target);
        }
    }
}
