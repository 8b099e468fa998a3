namespace CriuImage.Capture;

/// <summary>
/// The protocol every listing call of every revision follows (GEM_LIST_HANDLES, GEM_OP GET_MAPPING_INFO,
/// CRIU_BO_INFO, CRIU_MAPPING_INFO): the caller passes its array's capacity; the kernel answers with the true
/// count and fills the array only when the count fits (amdgpu_gem.c, amdgpu_gem_list_handles_ioctl and
/// amdgpu_gem_op_ioctl at gregkh/linux 0399b8416ecf: "if (args->num_entries &lt; num_bos) { args->num_entries =
/// num_bos; return 0; }"). So: ask, and while the answer is more than the array held, grow and ask again, a
/// bounded number of times. EINTR and EAGAIN (LIST_HANDLES gives it when BOs appear between its counting and
/// filling passes) are asked again too, bounded as CRIU's plugin bounds them (200 tries).
/// </summary>
internal static unsafe class CountProtocol
{
    /// <summary>Rounds of "the count was more than the array held" before capture gives up.</summary>
    public const int MaxGrowths = 8;

    /// <summary>EINTR or EAGAIN answers asked again before capture gives up, as CRIU's amdgpu plugin does.</summary>
    public const int MaxInterrupted = 200;

    /// <summary>EOVERFLOW, the errno a count past what one call may ask for is given as.</summary>
    private const int Eoverflow = 75;

    /// <summary>One call: with room for <paramref name="capacity"/> entries at <paramref name="entries"/>, the errno (0 on success) and the count the kernel answered.</summary>
    public delegate int ListingCall(uint capacity, void* entries, out uint count);

    /// <summary>
    /// Runs the protocol for <paramref name="what"/> (named in messages) into <paramref name="buffer"/>, which grows
    /// as needed and is kept for the next call. Returns 0 and the count, or the errno of a call that failed
    /// otherwise. Throws when the count never settles or passes <paramref name="maxCapacity"/>, the bound <paramref name="limit"/> explains.
    /// </summary>
    public static int Run<T>(string what, ListingCall call, ref T[] buffer, uint maxCapacity, string limit, out int count)
        where T : unmanaged
    {
        uint capacity = (uint)Math.Min(buffer.Length, maxCapacity);
        int growths = 0;
        int interrupted = 0;
        var answers = new List<uint>();
        while (true)
        {
            if (buffer.Length < capacity)
            {
                buffer = new T[capacity];
            }

            int errno;
            uint answered;
            fixed (T* entries = buffer)
            {
                errno = call(capacity, capacity == 0 ? null : entries, out answered);
            }

            if (errno is Syscalls.Eintr or Syscalls.Eagain)
            {
                if (++interrupted > MaxInterrupted)
                {
                    throw new CaptureException($"{what}: the kernel answered {Errno.Describe(errno)} {MaxInterrupted} times in a row; the process's buffer objects never held still", errno);
                }

                continue;
            }

            if (errno != 0)
            {
                count = 0;
                return errno;
            }

            if (answered <= capacity)
            {
                count = (int)answered;
                return 0;
            }

            answers.Add(answered);
            if (answered > maxCapacity)
            {
                throw new CaptureException($"{what}: the kernel counts {answered} entries, more than one call may ask for ({maxCapacity}; {limit})", Eoverflow);
            }

            if (++growths >= MaxGrowths)
            {
                throw new CaptureException($"{what}: the count never settled: {growths} calls in a row each answered more than the array held ({string.Join(", ", answers)})", Syscalls.Eagain);
            }

            // Room for some growth on top, so that a count still rising does not cost a call per new entry.
            capacity = (uint)Math.Min(maxCapacity, (ulong)answered + (answered / 8) + 4);
        }
    }
}
