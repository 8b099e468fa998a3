using System.Runtime.InteropServices;
using System.Text;
using CriuImage.Analyzer;
using CriuImage.Diagnostics;

namespace CriuImage.Native;

/// <summary>
/// <c>criu_image_verify</c> and <c>criu_image_plan</c>: the CLI's <c>verify</c> and <c>plan</c> commands run
/// in-process with <c>--format json</c>, so the report and the exit status are the CLI's own; and the
/// helpers that go with them (the buffer's free, the thread's last error, the version).
/// </summary>
internal static unsafe class ReportExports
{
    [UnmanagedCallersOnly(EntryPoint = "criu_image_verify")]
    public static int Verify(byte* path, byte* targetKernel, byte** reportJson) =>
        Run("verify", path, targetKernel, reportJson);

    [UnmanagedCallersOnly(EntryPoint = "criu_image_plan")]
    public static int Plan(byte* path, byte* targetKernel, byte** reportJson) =>
        Run("plan", path, targetKernel, reportJson);

    [UnmanagedCallersOnly(EntryPoint = "criu_image_free")]
    public static void Free(void* buffer) => NativeMemory.Free(buffer);

    [UnmanagedCallersOnly(EntryPoint = "criu_image_last_error")]
    public static nuint LastError(byte* buffer, nuint length) =>
        NativeErrors.Last is { } message ? (nuint)NativeErrors.CopyTo(message, buffer, length) : (nuint)NativeErrors.CopyTo(string.Empty, buffer, length);

    [UnmanagedCallersOnly(EntryPoint = "criu_image_version")]
    public static byte* Version() => VersionText.Pointer;

    private static int Run(string command, byte* pathText, byte* targetKernelText, byte** reportJson)
    {
        NativeErrors.Clear();
        string function = $"criu_image_{command}";
        if (reportJson is not null)
        {
            *reportJson = null;
        }

        try
        {
            string? path = NativeErrors.String(pathText);
            string? targetKernel = NativeErrors.String(targetKernelText);
            if (string.IsNullOrEmpty(path) || path == "-")
            {
                // The CLI reads standard input for "-"; a library must not take its caller's.
                return NativeErrors.Fail(NativeErrors.EINVAL, $"{function}: the path is {(path is null ? "NULL" : path.Length == 0 ? "empty" : "-, which is standard input to the CLI; name a file")}");
            }

            List<string> args = [command, "--format", "json"];
            if (targetKernel is not null)
            {
                args.AddRange(["--target-kernel", targetKernel]);
            }

            // "--" so that a path that starts with '-' is a path, not an option.
            args.AddRange(["--", path]);
            using var output = new StringWriter { NewLine = "\n" };
            using var error = new StringWriter { NewLine = "\n" };
            // The report is the library's to its caller, who never typed an option: in the library's words.
            int status = Program.RunAsync([.. args], output, error, RemedyWords.Library).GetAwaiter().GetResult();
            if (error.GetStringBuilder().Length > 0)
            {
                // What the CLI said on standard error (why an input could not be read) is the thread's message.
                NativeErrors.Note(error.ToString().TrimEnd('\n'));
            }

            if (reportJson is not null && output.GetStringBuilder().Length > 0)
            {
                *reportJson = CopyToNative(output.ToString());
            }

            return status;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(function, e);
        }
    }

    /// <summary>The text as NUL-terminated UTF-8 in memory from malloc, which criu_image_free releases.</summary>
    private static byte* CopyToNative(string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(text, new Span<byte>(buffer, length));
        buffer[length] = 0;
        return buffer;
    }

    /// <summary>The version as a C string that lives as long as the library.</summary>
    private static class VersionText
    {
        public static readonly byte* Pointer = CopyToNative(Reporting.ToolInfo.Version);
    }
}
