using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// gcc lays out tests/abi/layout.c (the kernel's structs written from the ABI facts) and computes the
/// request numbers with the kernel's <c>_IOWR</c>; every size, offset and request must equal the C# one.
/// scripts/test.sh installs gcc where it is missing.
/// </summary>
public sealed class AbiLayoutCTests : TempFolder
{
    private static readonly Dictionary<string, Type> Structs = new()
    {
        ["drm_amdgpu_criu_bo_bucket_2025_06"] = typeof(Criu202506BoBucket),
        ["drm_amdgpu_criu_bo_info_args"] = typeof(CriuBoInfoArgs),
        ["drm_amdgpu_criu_mapping_info_args"] = typeof(CriuMappingInfoArgs),
        ["drm_amdgpu_criu_vm_bucket"] = typeof(CriuVmBucket),
        ["drm_amdgpu_criu_bo_bucket_v8"] = typeof(CriuV8BoBucket),
        ["drm_amdgpu_gem_list_handles"] = typeof(GemListHandlesArgs),
        ["drm_amdgpu_gem_list_handles_entry"] = typeof(GemListHandlesEntry),
        ["drm_amdgpu_gem_op"] = typeof(GemOpArgs),
        ["drm_amdgpu_gem_vm_entry"] = typeof(GemVmEntry),
        ["drm_amdgpu_gem_create"] = typeof(GemCreateArgs),
        ["drm_amdgpu_gem_create_in"] = typeof(GemCreateArgs),
        ["drm_amdgpu_gem_mmap"] = typeof(GemMmapArgs),
        ["drm_gem_change_handle"] = typeof(GemChangeHandleArgs),
        ["drm_amdgpu_gem_va"] = typeof(GemVaArgs),
    };

    [Fact]
    public void TheCCompiler_AgreesWithEveryStructAndRequestNumber()
    {
        List<string[]> lines = RunLayoutProgram().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        var checkedTypes = new HashSet<Type>();
        var checkedRequests = new HashSet<string>();
        var checkedValues = new HashSet<string>();
        foreach (string[] line in lines)
        {
            switch (line[0])
            {
                case "size":
                    Type type = Structs[line[1]];
                    Assert.True(int.Parse(line[2]) == Marshal.SizeOf(type), $"sizeof {line[1]}: gcc {line[2]}, {type.Name} {Marshal.SizeOf(type)}");
                    checkedTypes.Add(type);
                    break;
                case "offset":
                    string[] name = line[1].Split('.');
                    string field = string.Concat(name[1].Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
                    Assert.True(int.Parse(line[2]) == (int)Marshal.OffsetOf(Structs[name[0]], field), $"offsetof {line[1]}: gcc {line[2]}, {Structs[name[0]].Name}.{field} {Marshal.OffsetOf(Structs[name[0]], field)}");
                    break;
                case "request":
                    uint expected = Convert.ToUInt32(line[2], 16);
                    uint actual = (uint)typeof(IoctlRequests).GetField(line[1])!.GetRawConstantValue()!;
                    Assert.True(expected == actual, $"{line[1]}: gcc 0x{expected:x8}, IoctlRequests 0x{actual:x8}");
                    checkedRequests.Add(line[1]);
                    break;
                case "value":
                    ulong gccValue = ulong.Parse(line[2], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(gccValue == ValueOf(line[1]), $"{line[1]}: gcc {gccValue}, C# {ValueOf(line[1])}");
                    checkedValues.Add(line[1]);
                    break;
                default:
                    Assert.Fail($"unexpected line from layout.c: {string.Join(' ', line)}");
                    break;
            }
        }

        // Nothing in the C# ABI escapes the comparison: every struct of the namespace and every request constant.
        Type[] abiStructs = typeof(GemVaArgs).Assembly.GetTypes().Where(t => t.Namespace == "CriuImage.Abi" && t.IsValueType && !t.IsEnum).ToArray();
        Assert.Equal(abiStructs.Select(t => t.Name).Order(), checkedTypes.Select(t => t.Name).Order());
        Assert.Equal(
            typeof(IoctlRequests).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => f.Name).Order(),
            checkedRequests.Order());

        // Every op of the KFD CRIU interface and every restore-path constant is held against the header's value.
        Assert.Equal(
            Enum.GetNames<KfdCriuOp>().Select(n => $"KfdCriuOp.{n}").Concat(typeof(RestorePathConstants).GetFields().Select(f => $"RestorePathConstants.{f.Name}")).Order(),
            checkedValues.Where(v => v.StartsWith("KfdCriuOp.", StringComparison.Ordinal) || v.StartsWith("RestorePathConstants.", StringComparison.Ordinal)).Order());
    }

    /// <summary>The C# value named <c>TYPE.MEMBER</c>: an enum member or a constant of the ABI namespace.</summary>
    private static ulong ValueOf(string name)
    {
        string[] parts = name.Split('.');
        Type type = typeof(GemVaArgs).Assembly.GetType($"CriuImage.Abi.{parts[0]}")!;
        object value = type.IsEnum ? Enum.Parse(type, parts[1]) : type.GetField(parts[1])!.GetRawConstantValue()!;
        return Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private string RunLayoutProgram()
    {
        string program = Path.Combine(Folder, "layout");
        Run("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", program, Path.Combine(RepoPaths.Root, "tests", "abi", "layout.c"));
        return Run(program);
    }

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"{file} cannot be run ({e.Message}); scripts/test.sh installs gcc");
            throw;
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), $"{file} did not finish");
            Assert.True(process.ExitCode == 0, $"{file} exited with {process.ExitCode}: {error.Result}");
            return output.Result;
        }
    }
}
