using System.Globalization;
using System.Text.Json.Nodes;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// One run of CRIU's own amdgpu plugin over a fixture dump, as tests/restore-oracle/run-oracle.sh recorded it,
/// reduced to the calls docs/restore-calls.md lists (CRIU's own ioctls, the PRIME calls it makes through libdrm,
/// and one <c>CONTENTS</c> per run of SDMA copies into one BO from one file) and the way the restore ended.
/// </summary>
/// <param name="Kernel">The run's target kernel: <c>6.18</c>, <c>no-change-handle</c> or a release (<see cref="OracleKernel"/>).</param>
/// <param name="Mode">The contents path: <c>parallel</c> or <c>serial</c>.</param>
/// <param name="Calls">The calls, each as <see cref="OracleCall"/>.</param>
/// <param name="End">How the restore ended, in docs/restore-calls.md's words (<c>restored</c>, <c>fails</c>, ...).</param>
internal sealed record RecordedRestore(string Kernel, string Mode, IReadOnlyList<OracleCall> Calls, string End)
{
    /// <summary>
    /// The tasks' interleaving: <c>criu</c> (for_each_pstree_item's order), <c>reversed</c> (its reverse), or the pids of
    /// the tasks that open files in the order the driver ran them (<c>4243,4242,4244</c>).
    /// </summary>
    public string Order { get; init; } = "criu";

    /// <summary>The file the first task to fall asleep in wait_fds_event (and not woken after) waited for when the restore never ended, or null.</summary>
    public string? Asleep { get; init; }

    /// <summary>Every run of one recording file.</summary>
    public static IReadOnlyList<RecordedRestore> Load(string path)
    {
        var runs = new List<RecordedRestore>();
        List<JsonObject>? lines = null;
        foreach (string text in File.ReadLines(path))
        {
            var line = JsonNode.Parse(text)!.AsObject();
            if (line["run"] is not null)
            {
                lines = [];
            }

            lines!.Add(line);
            if (line["outcome"] is not null)
            {
                runs.Add(FromLines(lines));
            }
        }

        return runs;
    }

    private static RecordedRestore FromLines(List<JsonObject> lines)
    {
        var run = lines[0]["run"]!;
        string mode = (string)run["mode"]!;
        var calls = new List<OracleCall>();
        var hook = new List<JsonObject>();
        string file = "", end = "";
        int pass = 0;
        // The task the driver runs the resume hook for, where pstree.img names the tasks (plan's "task" argument).
        long? task = null;
        // Each task asleep in wait_fds_event with the file it waits for, in the order they fell asleep; a woken task leaves it.
        var asleep = new List<(long Task, string File)>();
        var savedOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonObject line in lines)
        {
            if (line["enter"] is { } enter)
            {
                file = (string)enter! switch
                {
                    "RESUME_DEVICES_LATE" => "resume",
                    "RESTORE_EXT_FILE" => (string)line["file"]!,
                    var other => other,
                };
                pass = (int?)line["pass"] ?? 0;
                task = (long?)line["task"];
                hook.Clear();
            }
            else if (line["call"] is not null)
            {
                hook.Add(line);
            }
            else if (line["sleeps"] is { } sleeps)
            {
                asleep.Add(((long)sleeps["task"]!, (string)sleeps["file"]!));
            }
            else if (line["wakes"] is { } wakes)
            {
                asleep.RemoveAll(a => a.Task == (long)wakes["task"]!);
            }
            else if (line["hook"] is not null || line["outcome"] is not null)
            {
                calls.AddRange(Reduce(hook, file, pass, savedOf, mode).Select(c => task is { } pid && c.Name == "AMDKFD_IOC_CRIU_OP" && c.Args["op"] == "4"
                    ? c with { Args = new SortedDictionary<string, string>(c.Args, StringComparer.Ordinal) { ["task"] = pid.ToString(CultureInfo.InvariantCulture) } }
                    : c));
                hook.Clear();
                if (line["outcome"] is { } outcome)
                {
                    end = EndOf((string)outcome!);
                }
            }
        }

        return new RecordedRestore((string)run["kernel"]!, mode, calls, end)
        {
            Order = run["order"] switch
            {
                null => "criu",
                JsonArray pids => string.Join(",", pids.Select(p => (long)p!)),
                var name => (string)name!,
            },
            Asleep = end == "never-ends" && asleep.Count > 0 ? asleep[0].File : null,
        };
    }

    /// <summary>The recording's outcome in docs/restore-calls.md's words.</summary>
    private static string EndOf(string outcome) => outcome switch
    {
        "failed" => "fails",
        "crashed" => "crashes",
        "resumed-after-late-failure" => "fails-late",
        _ => outcome,
    };

    /// <summary>
    /// One hook's calls as the plan lists them: a render-node BO is named by its saved handle (the
    /// <c>new_handle</c> of the CHANGE_HANDLE that follows its GEM_CREATE or import), libdrm's own calls are
    /// left out, and consecutive SDMA copies into one BO from one file are one <c>CONTENTS</c>.
    /// </summary>
    private static IEnumerable<OracleCall> Reduce(List<JsonObject> hook, string file, int pass, Dictionary<string, string> savedOf, string mode)
    {
        var fresh = new Dictionary<long, string>();
        for (int i = 0; i < hook.Count; i++)
        {
            JsonObject args = hook[i]["args"]!.AsObject();
            string call = (string)hook[i]["call"]!;
            if (ByCriu(hook[i]) && call is "DRM_IOCTL_AMDGPU_GEM_CREATE" or "DRM_IOCTL_PRIME_FD_TO_HANDLE" && args["out_handle"] is { } outHandle)
            {
                long handle = (long)outHandle;
                JsonObject? change = hook.Skip(i + 1).FirstOrDefault(c => (string)c["call"]! == "DRM_IOCTL_GEM_CHANGE_HANDLE" && (long)c["args"]!["handle"]! == handle);
                string saved = change is null ? $"fresh{handle}" : ((long)change["args"]!["new_handle"]!).ToString(CultureInfo.InvariantCulture);
                fresh[handle] = saved;
                if (args["bo"] is { } name)
                {
                    savedOf[(string)name!] = saved;
                }
            }
        }

        OracleCall? contents = null;
        foreach (JsonObject line in hook)
        {
            OracleCall? call = Normalize(line, file, pass, fresh, savedOf, mode);
            if (call is null)
            {
                continue;
            }

            if (call.Name == "CONTENTS")
            {
                if (contents is not null && contents.Continues(call))
                {
                    contents = contents.Extend(call);
                    continue;
                }

                if (contents is not null)
                {
                    yield return contents;
                }

                contents = call;
                continue;
            }

            if (contents is not null)
            {
                yield return contents;
                contents = null;
            }

            yield return call;
        }

        if (contents is not null)
        {
            yield return contents;
        }
    }

    /// <summary>True for a call CRIU's plugin makes itself, directly or through drmPrimeHandleToFD/drmPrimeFDToHandle.</summary>
    private static bool ByCriu(JsonObject line) => (string?)line["via"] is not { } via || via.StartsWith("drmPrime", StringComparison.Ordinal);

    private static OracleCall? Normalize(JsonObject line, string file, int pass, Dictionary<long, string> fresh, Dictionary<string, string> savedOf, string mode)
    {
        string call = (string)line["call"]!;
        string? via = (string?)line["via"];
        JsonObject a = line["args"]!.AsObject();
        // A call the kernel oopsed in has no return ("ret": null, "oops": true): the task died in it.
        long? ret = line["ret"] is not { } r ? null : (long)r < 0 ? -Errno((string)line["errno"]!) : 0;
        string request = (string?)line["request"] ?? "";
        string Num(string key) => ((long)a[key]!).ToString(CultureInfo.InvariantCulture);
        string Bo(long handle) => fresh.TryGetValue(handle, out string? saved) ? saved : handle.ToString(CultureInfo.InvariantCulture);
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        switch (call)
        {
            case "SDMA_COPY":
                args["pages"] = (string?)a["file"] ?? "(no file)";
                args["offset"] = Num("file_offset");
                args["length"] = Num("length");
                args["target"] = Target((string)a["bo"]!, savedOf);
                args["copy"] = file == "resume" && mode == "parallel" ? "sdma-parallel" : "sdma";
                return new OracleCall("CONTENTS", "", file, pass, args, ret);
            case "DRM_IOCTL_PRIME_FD_TO_HANDLE" when via == "amdgpu_bo_import" && a["fd"] is not null:
                args["fd"] = Num("fd");
                return new OracleCall(call, request, file, pass, args, ret);
            case var _ when !ByCriu(line):
                return null;
            case "AMDKFD_IOC_GET_VERSION":
                return new OracleCall(call, request, file, pass, args, ret);
            case "AMDKFD_IOC_CRIU_OP":
                foreach (string key in (long)a["op"]! == 3 ? new[] { "op", "num_devices", "num_bos", "num_objects", "priv_data_size" } : ["op"])
                {
                    args[key] = Num(key);
                }

                // The fake kernel names the check of the private data that refused the restore (fake_kfd_priv.c).
                if (a["refused_by"] is { } check)
                {
                    args["refused_by"] = (string)check!;
                }

                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_AMDGPU_GEM_CREATE":
                args["bo"] = a["out_handle"] is { } h ? Bo((long)h) : "refused";
                foreach (string key in new[] { "bo_size", "alignment", "domains", "domain_flags" })
                {
                    args[key] = Num(key);
                }

                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_PRIME_HANDLE_TO_FD":
                args["bo"] = Bo((long)a["handle"]!);
                args["flags"] = Num("flags");
                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_PRIME_FD_TO_HANDLE":
                if (a["kfd_handle"] is { } kfdHandle)
                {
                    args["dmabuf_of"] = Num("kfd_handle");
                }
                else if (a["dmabuf"] is { } exporter)
                {
                    args["dmabuf_of"] = Target((string)exporter!, savedOf);
                }
                else
                {
                    args["fd"] = Num("fd");
                }

                if (a["out_handle"] is { } imported)
                {
                    args["bo"] = Bo((long)imported);
                }

                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_GEM_CHANGE_HANDLE":
                args["bo"] = Num("new_handle");
                args["new_handle"] = Num("new_handle");
                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_AMDGPU_GEM_MMAP":
                args["bo"] = Num("handle");
                args["handle"] = Num("handle");
                return new OracleCall(call, request, file, pass, args, ret);
            case "DRM_IOCTL_AMDGPU_GEM_VA":
                args["bo"] = Num("handle");
                foreach (string key in new[] { "operation", "flags", "va_address", "offset_in_bo", "map_size" })
                {
                    args[key] = Num(key);
                }

                return new OracleCall(call, request, file, pass, args, ret);
            default:
                return null;
        }
    }

    /// <summary>A BO the fake kernel named: a render-node BO by its saved handle, a KFD BO by its index in the KFD image.</summary>
    private static string Target(string name, Dictionary<string, string> savedOf)
    {
        if (name.StartsWith("kfd:", StringComparison.Ordinal))
        {
            return "kfd_bo " + name[(name.LastIndexOf(':') + 1)..];
        }

        return savedOf.TryGetValue(name, out string? saved) ? saved : name;
    }

    private static long Errno(string name) => name switch
    {
        "EPERM" => 1,
        "ENOENT" => 2,
        "ESRCH" => 3,
        "EIO" => 5,
        "EBADF" => 9,
        "EAGAIN" => 11,
        "ENOMEM" => 12,
        "EFAULT" => 14,
        "EBUSY" => 16,
        "ENODEV" => 19,
        "EINVAL" => 22,
        "ENOTTY" => 25,
        "ENOSPC" => 28,
        "EPIPE" => 32,
        "EOPNOTSUPP" => 95,
        _ => throw new InvalidDataException("errno " + name + " has no number here"),
    };
}

/// <summary>
/// One call, by both sides: name, ioctl request ("" for a contents copy), the CRIU file whose restore makes it, the pass,
/// arguments and return (null: the call never returned, the kernel oopsed in it).
/// </summary>
internal sealed record OracleCall(string Name, string Request, string File, int Pass, SortedDictionary<string, string> Args, long? Ret)
{
    /// <summary>True when <paramref name="next"/> is the same contents copy going on (same file and BO, the bytes right after).</summary>
    public bool Continues(OracleCall next) =>
        Name == "CONTENTS" && next.Name == "CONTENTS" && Args["pages"] == next.Args["pages"] && Args["target"] == next.Args["target"]
        && Args["copy"] == next.Args["copy"] && Args["pages"] != "(no file)"
        && long.Parse(Args["offset"], CultureInfo.InvariantCulture) + long.Parse(Args["length"], CultureInfo.InvariantCulture) == long.Parse(next.Args["offset"], CultureInfo.InvariantCulture);

    /// <summary>This contents copy with <paramref name="next"/>'s bytes added.</summary>
    public OracleCall Extend(OracleCall next) => this with
    {
        Args = new SortedDictionary<string, string>(Args, StringComparer.Ordinal)
        {
            ["length"] = (long.Parse(Args["length"], CultureInfo.InvariantCulture) + long.Parse(next.Args["length"], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
        },
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"{File} pass {Pass}: {Name}{(Request.Length > 0 ? " " + Request : "")} {{{string.Join(", ", Args.Select(a => $"{a.Key}={a.Value}"))}}} -> {Ret?.ToString(CultureInfo.InvariantCulture) ?? "never returns"}";
}
