using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CriuImage.Reporting;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A real install: the CLI packs as the .NET tool <c>criu-image</c> and installs with <c>dotnet tool install</c>
/// from the packed file alone; the library packs as <c>CriuImage</c> with its XML docs; the README's C#
/// examples compile as written against the library.
/// </summary>
[Collection(nameof(PackagingTests))]
public sealed partial class PackagingTests : TempFolder
{
    private static string Configuration => AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    [Fact]
    public async Task Tool_PacksAndInstalls_FromTheLocalPackageAlone()
    {
        string feed = Directory.CreateDirectory(Path.Combine(Folder, "feed")).FullName;
        await Dotnet("pack", Path.Combine(RepoPaths.Root, "src", "Analyzer"), "-c", Configuration, "--no-build", "-o", feed, "--nologo");
        await Dotnet("pack", Path.Combine(RepoPaths.Root, "src", "CriuImage"), "-c", Configuration, "--no-build", "-o", feed, "--nologo");
        File.WriteAllText(Path.Combine(Folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
            """);
        string tools = Path.Combine(Folder, "tools");
        await Dotnet("tool", "install", "criu-image", "--tool-path", tools, "--configfile", Path.Combine(Folder, "nuget.config"), "--version", ToolInfo.Version);

        string installed = Path.Combine(tools, "criu-image");
        Assert.Equal(ToolInfo.Version, (await Run(installed, "--version")).Trim());
        Assert.Contains("ok: 0 errors", await Run(installed, "verify", Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img")), StringComparison.Ordinal);

        using ZipArchive library = ZipFile.OpenRead(Path.Combine(feed, $"CriuImage.{ToolInfo.Version}.nupkg"));
        Assert.Contains(library.Entries, e => e.FullName == "lib/net10.0/CriuImage.dll");
        Assert.Contains(library.Entries, e => e.FullName == "lib/net10.0/CriuImage.xml");
        using var nuspec = new StreamReader(library.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string metadata = await nuspec.ReadToEndAsync();
        Assert.Contains("<license type=\"expression\">MIT</license>", metadata, StringComparison.Ordinal);
        Assert.Contains($"<version>{ToolInfo.Version}</version>", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeExamples_Compile()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        MatchCollection blocks = CSharpBlock().Matches(readme);
        Assert.NotEmpty(blocks);
        string source = Path.Combine(Folder, "Readme.cs");
        File.WriteAllText(source, string.Concat(blocks.Select((block, i) => $$"""
            namespace ReadmeExamples
            {
                using System;
                using System.Collections.Generic;
                using System.Linq;
                using System.Threading.Tasks;
                using CriuImage;
                using CriuImage.Abi;
                using CriuImage.Diagnostics;
                using CriuImage.Format;
                using CriuImage.Kernel;
                using CriuImage.Reporting;
                using CriuImage.Restore;
                using CriuImage.Verification;

                /// <summary>README example {{i}}, with the names its text leaves to the reader as parameters.</summary>
                public static class Example{{i}}
                {
                    public static async System.Threading.Tasks.Task Run(System.Collections.Generic.IEnumerable<GemListHandlesEntry> entries, System.Func<uint, System.ReadOnlyMemory<GemVmEntry>> mappingsOf)
                    {
            {{block.Groups[1].Value}}
                    }
                }
            }

            """)));

        string runtime = RuntimeEnvironment.GetRuntimeDirectory();
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        string csc = Directory.GetFiles(Path.Combine(dotnetRoot, "sdk"), "csc.dll", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Last();
        var args = new List<string> { "exec", csc, "-nologo", "-target:library", "-nullable:enable", "-warnaserror", "-langversion:latest", "-out:" + Path.Combine(Folder, "Readme.dll"), "-r:" + typeof(ImageWriter).Assembly.Location };
        args.AddRange(Directory.GetFiles(runtime, "*.dll").Where(IsManaged).Select(r => "-r:" + r));
        args.Add(source);
        await Dotnet([.. args]);
    }

    private static bool IsManaged(string path) => !Path.GetFileName(path).StartsWith("Microsoft.DiaSymReader.Native", StringComparison.Ordinal) && !Path.GetFileName(path).StartsWith("mscordaccore", StringComparison.Ordinal);

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static async Task Dotnet(params string[] args) => await Run("dotnet", args);

    private static async Task<string> Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args.Take(3))}... exited {process.ExitCode}:\n{await output}\n{await error}");
        return await output;
    }
}

/// <summary>Packing writes into the projects' obj folders: one packaging test at a time.</summary>
[CollectionDefinition(nameof(PackagingTests), DisableParallelization = true)]
public sealed class PackagingTestsCollection;
