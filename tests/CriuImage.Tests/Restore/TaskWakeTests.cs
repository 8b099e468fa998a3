using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Input;
using CriuImage.Restore;
using CriuImage.Tests.RestoreOracle;
using CriuImage.Tests.Support;
using static CriuImage.Tests.Support.CriuCoreImages;
using static CriuImage.Tests.Support.CriuTaskDumps;

namespace CriuImage.Tests;

/// <summary>
/// A task asleep in wait_fds_event is woken by a descriptor another task sends it (serve_out_fd -> send_fd_to_peer ->
/// set_fds_event, criu/files.c:1031-1043, :1090-1112, :199-212 at 2cf8f13): the task that opens a file several tasks
/// hold sends it to the others once opened, an amdgpu file once the plugin restored it, a regular file or eventfd in
/// its first pass at its descriptor. Each fixture pairs tasks/import-of-another-tasks-bo (4242's renderD-8 at fd 4
/// exports BO 5, 4243's renderD-7 imports it) with a send from 4242 to 4243, and is replayed in the order where 4243
/// looks first and sleeps. The same runs of CRIU's plugin are recorded by the oracle (RestoreOracleTests).
/// </summary>
public sealed class TaskWakeTests
{
    [Fact]
    public void ALogFileBothHold_SentAfterTheExport_WakesTheImporter_ThatRestoresOnItsRetryPass()
    {
        RestoreSequence reversed = Reversed("tasks/import-woken-by-shared-file");

        // Woken, renderD-7 restores on its third pass: its earlier passes' contents path closed descriptor 0 (CRI328),
        // so the order comes back different instead of never ending (CRI334).
        Assert.Equal((RestoreEndKind.Differs, Descriptors.RetryClosesStdin), (reversed.End.How, reversed.End.Code));
        Assert.Contains("amdgpu-renderD-7.img", reversed.FilesDone);
    }

    [Fact]
    public void TheRenderNodeItself_HeldByTheImporter_IsSentOnceRestored_AndWakesIt()
    {
        RestoreSequence reversed = Reversed("tasks/import-woken-by-render-node");

        Assert.Equal((RestoreEndKind.Differs, Descriptors.RetryClosesStdin), (reversed.End.How, reversed.End.Code));
        Assert.Contains("amdgpu-renderD-7.img", reversed.FilesDone);
    }

    [Fact]
    public void ASendBeforeTheExportIsStored_WakesTheImporterTooEarly_AndItSleepsForGood()
    {
        RestoreSequence reversed = Reversed("tasks/import-woken-too-early");

        Assert.Equal((RestoreEndKind.NeverEnds, Descriptors.CrossTaskImportWait, "amdgpu-renderD-7.img"), (reversed.End.How, reversed.End.Code, reversed.End.File));
        Assert.EndsWith("it sleeps in wait_fds_event(); task 4242's fd 2 (file id 20) woke it, each before the export was stored, and none is sent to it after, so nothing wakes it again", reversed.End.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnySend_NothingWakesTheImporter()
    {
        RestoreSequence reversed = Reversed("tasks/import-of-another-tasks-bo");

        Assert.Equal((RestoreEndKind.NeverEnds, Descriptors.CrossTaskImportWait), (reversed.End.How, reversed.End.Code));
        Assert.EndsWith("it sleeps in wait_fds_event(); no task sends it a descriptor after that, so nothing wakes it", reversed.End.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSends_AreReadFromTheFdinfoImages_FromTheHolderOfLowestPid()
    {
        CriuDump woken = Read("tasks/import-woken-by-shared-file");
        Assert.Equal([new FdSend(4242, 5, 20, CriuFdImages.RegType, 4243)], woken.TaskFiles!.AtOnceSends);
        Assert.Empty(woken.TaskFiles.SendsOf(8));

        CriuDump node = Read("tasks/import-woken-by-render-node");
        Assert.Empty(node.TaskFiles!.AtOnceSends);
        Assert.Equal([new FdSend(4242, 4, 8, CriuFdImages.ExtType, 4243)], node.TaskFiles.SendsOf(8));
    }

    [Fact]
    public async Task Verify_SaysTheWokenOrderComesBackDifferent_NotThatItNeverEnds()
    {
        string message = Assert.Single(await Findings(CriuFixtures.Path_("tasks/import-woken-by-shared-file"), "CRI358"));
        Assert.Contains("all 2 orders of tasks 4242, 4243 replayed: 1 ends as CRIU's task order does (restores); 1 comes back different at amdgpu-renderD-7.img (CRI328), e.g. 4243, 4242", message, StringComparison.Ordinal);
        Assert.DoesNotContain("never", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReadFileMissingFromFilesImg_StopsTheRestore_AsCriuCollectsEveryDescriptor()
    {
        string folder = CriuFixtures.CopyTo("tasks/import-woken-by-shared-file", Path.Combine(Path.GetTempPath(), "wake-" + Guid.NewGuid().ToString("N")));
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "files.img"), Image(FilesMagic, Entries([.. new uint[] { 5, 7, 8, 10 }.Select(i => FileEntry(16, i))]), common: true));
            ProcessImageFailure failure = Assert.IsType<ProcessImageFailure>(Read(folder).TaskFiles!.Failure);
            Assert.Equal(Descriptors.TaskFdUncollectable, failure.Code);
            Assert.Contains("task 4242 fd 5 names file id 20 (type 1), but files.img lists no file id 20", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SendsWithNothingNewBetweenThem_WakeTheImporterOnce_AndAreNamedUpToThree()
    {
        // 4242 holds five log files 4243 holds too, at fds 10..14, all before renderD-8 (fd 20): the first send finds
        // amdgpu-kfd-5.img restored since 4243 fell asleep and wakes it; the next four find nothing new.
        string folder = CriuFixtures.CopyTo("tasks/import-woken-by-shared-file", Path.Combine(Path.GetTempPath(), "wake-" + Guid.NewGuid().ToString("N")));
        try
        {
            uint[] logs = [20, 21, 22, 23, 24];
            byte[][] own = [.. logs.Select((id, i) => Entry(id, (uint)(10 + i), CriuFdImages.RegType))];
            File.WriteAllBytes(Path.Combine(folder, "fdinfo-1.img"), Image(FdinfoMagic, Entries([Entry(5, 3), .. own, Entry(8, 20)]), common: true));
            File.WriteAllBytes(Path.Combine(folder, "fdinfo-2.img"), Image(FdinfoMagic, Entries([Entry(10, 3), Entry(7, 4), .. own]), common: true));
            File.WriteAllBytes(Path.Combine(folder, "files.img"), Image(FilesMagic, Entries([.. new uint[] { 5, 7, 8, 10 }.Select(i => FileEntry(16, i)), .. logs.Select(i => FileEntry(CriuFdImages.RegType, i))]), common: true));
            RestoreSequence reversed = Reversed(folder);

            Assert.Equal((RestoreEndKind.NeverEnds, Descriptors.CrossTaskImportWait), (reversed.End.How, reversed.End.Code));
            // 4243: pass 1 restores its KFD image (progress), pass 2 sleeps; woken, pass 3 receives fd 10 (progress,
            // criu/files.c:1224-1225) and pass 4 sleeps again; the four later sends find nothing new.
            Assert.Equal(4, reversed.Calls.Where(c => c.File == "amdgpu-renderD-7.img").Max(c => c.Pass));
            Assert.EndsWith("task 4242's fd 10 (file id 20), task 4242's fd 11 (file id 21), task 4242's fd 12 (file id 22) and 2 more sends woke it, each before the export was stored, and none is sent to it after, so nothing wakes it again", reversed.End.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static CriuDump Read(string dump)
    {
        InputSet inputs = DumpInputs.Collect([Path.IsPathRooted(dump) ? dump : CriuFixtures.Path_(dump)], new InputOptions(), () => Stream.Null);
        return Assert.Single(InputPlan.Of(inputs).Dumps).Dump;
    }

    /// <summary>The replay with 4243 (the importer) looking first, as the oracle's reversed run.</summary>
    private static RestoreSequence Reversed(string dump)
    {
        CriuDump read = Read(dump);
        DumpRestorePlan plan = DumpRestorePlan.Create(read, new ReplayOptions(CriuVersion.Parse("criu-dev"), false), null, OracleKernel.Profile("6.18"));
        return RestoreReplay.RunInOrder(read, plan, plan.Sequence!.Criu, false, [4243, 4242], CriuCallLog.Held());
    }
}
