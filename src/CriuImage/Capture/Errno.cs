using System.Runtime.InteropServices;

namespace CriuImage.Capture;

/// <summary>How capture names an errno in its messages: the symbol and the C library's words (<c>EPERM: Operation not permitted</c>).</summary>
internal static class Errno
{
    public static string Describe(int errno)
    {
        string? symbol = errno switch
        {
            Syscalls.Eperm => "EPERM",
            Syscalls.Enoent => "ENOENT",
            Syscalls.Esrch => "ESRCH",
            Syscalls.Eintr => "EINTR",
            Syscalls.Ebadf => "EBADF",
            Syscalls.Eagain => "EAGAIN",
            Syscalls.Enomem => "ENOMEM",
            Syscalls.Efault => "EFAULT",
            Syscalls.Einval => "EINVAL",
            Syscalls.Enotty => "ENOTTY",
            Syscalls.Enosys => "ENOSYS",
            _ => null,
        };
        string words = Marshal.GetPInvokeErrorMessage(errno);
        return symbol is null ? $"errno {errno}: {words}" : $"{symbol}: {words}";
    }
}
