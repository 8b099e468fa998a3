using System.Numerics;

namespace CriuImage.Topology;

/// <summary>The list and map primitives of the replay, with the semantics of CRIU's include/common/list.h.</summary>
internal sealed partial class CriuMatcher
{
    /// <summary>
    /// A <c>struct list_head</c>: a list head (no owner) or the link field of a node or hive. Deleting an
    /// entry poisons it (<c>list_del</c> sets LIST_POISON1/2); using a poisoned entry is a crash in CRIU.
    /// </summary>
    private sealed class ListEntry<T>
        where T : class
    {
        public ListEntry<T>? Prev { get; private set; }

        public ListEntry<T>? Next { get; private set; }

        public T? Owner { get; private init; }

        public bool Poisoned { get; private set; }

        public bool IsEmpty => Next == this;

        public static ListEntry<T> NewHead()
        {
            var head = new ListEntry<T>();
            head.Prev = head;
            head.Next = head;
            return head;
        }

        public static ListEntry<T> For(T owner) => new() { Owner = owner };

        /// <summary><c>list_add</c>: after the head.</summary>
        public static void Add(ListEntry<T> item, ListEntry<T> head) => Insert(item, head, head.Next!);

        /// <summary><c>list_add_tail</c>: before the head.</summary>
        public static void AddTail(ListEntry<T> item, ListEntry<T> head) => Insert(item, head.Prev!, head);

        /// <summary><c>list_del</c>.</summary>
        public static void Delete(ListEntry<T> item)
        {
            if (item.Poisoned || item.Prev is null || item.Next is null)
            {
                throw new Stop(CriuOutcome.Crashes, "CRIU deletes a list entry that is not in a list (LIST_POISON): the restore crashes");
            }

            item.Prev.Next = item.Next;
            item.Next.Prev = item.Prev;
            item.Next = null;
            item.Prev = null;
            item.Poisoned = true;
        }

        private static void Insert(ListEntry<T> item, ListEntry<T> prev, ListEntry<T> next)
        {
            next.Prev = item;
            item.Next = next;
            item.Prev = prev;
            prev.Next = item;
            item.Poisoned = false;
        }
    }

    /// <summary>A <c>struct id_map</c>; compared by identity, as CRIU's list pointers are.</summary>
    private sealed class IdMap(uint source, uint target)
    {
        public uint Source { get; } = source;

        public uint Target { get; } = target;
    }

    /// <summary>A <c>struct device_maps</c>: CPU and GPU pairs in list order, with the tails <c>maps_pop</c> cuts at.</summary>
    private sealed class Maps
    {
        /// <summary><c>INVALID_CPU_ID</c>: what <c>maps_get_dest_cpu</c> returns for "not mapped".</summary>
        public const uint InvalidCpu = 0xFFFF;

        private readonly List<IdMap> _cpu = [];
        private readonly List<IdMap> _gpu = [];
        private IdMap? _tailCpu;
        private IdMap? _tailGpu;

        public void AddCpu(uint source, uint target)
        {
            _tailCpu = new IdMap(source, target);
            _cpu.Add(_tailCpu);
        }

        public void AddGpu(uint source, uint target)
        {
            _tailGpu = new IdMap(source, target);
            _gpu.Add(_tailGpu);
        }

        public uint DestCpu(uint source) => _cpu.FirstOrDefault(m => m.Source == source)?.Target ?? InvalidCpu;

        public bool DestCpuMapped(uint target) => _cpu.Any(m => m.Target == target);

        public uint DestGpu(uint source) => _gpu.FirstOrDefault(m => m.Source == source)?.Target ?? 0;

        public bool DestGpuMapped(uint target) => _gpu.Any(m => m.Target == target);

        /// <summary><c>maps_push</c> (topology.c:339-366): refuses a pair that reuses a source or target, else splices at the front.</summary>
        public bool Push(Maps added, List<string> messages)
        {
            foreach ((List<IdMap> mine, List<IdMap> theirs, string kind) in new[] { (_cpu, added._cpu, "CPU"), (_gpu, added._gpu, "GPU") })
            {
                foreach (IdMap n in theirs)
                {
                    foreach (IdMap m in mine.Where(m => m.Source == n.Source || m.Target == n.Target))
                    {
                        messages.Add(kind == "CPU"
                            ? $"CPU mapping already exists src [{n.Source:D2}->{n.Target:D2}] new [{m.Source:D2}->{m.Target:D2}]"
                            : $"GPU mapping already exists src [0x{n.Source:X4} -> 0x{n.Target:X4}] new [0x{m.Source:X4} -> 0x{m.Target:X4}]");
                        return false;
                    }
                }
            }

            _cpu.InsertRange(0, added._cpu);
            _gpu.InsertRange(0, added._gpu);
            return true;
        }

        /// <summary><c>maps_pop</c> (topology.c:328-337): cuts the front of each list up to the pushed tail.</summary>
        public void Pop(Maps removed)
        {
            Cut(_cpu, removed._tailCpu);
            Cut(_gpu, removed._tailGpu);
        }

        public void AddTo(ref StateHash hash)
        {
            foreach (IdMap m in _gpu)
            {
                hash.Add(((long)m.Source << 32) | m.Target);
            }

            hash.Add(-5);
            foreach (IdMap m in _cpu)
            {
                hash.Add(((long)m.Source << 32) | m.Target);
            }
        }

        /// <summary><c>list_cut_position(removed, list, tail)</c>.</summary>
        private static void Cut(List<IdMap> list, IdMap? tail)
        {
            if (tail is null || list.Count == 0 || (list.Count == 1 && list[0] != tail))
            {
                return;
            }

            int index = list.IndexOf(tail);
            if (index < 0)
            {
                throw new Stop(CriuOutcome.Crashes, "CRIU cuts its map list at an entry that is not in it: the list is corrupted");
            }

            list.RemoveRange(0, index + 1);
        }
    }

    /// <summary>Two independent 64-bit hashes of a sequence of values (splitmix64 finalizer per value).</summary>
    private struct StateHash
    {
        private ulong _a;
        private ulong _b;

        public readonly (ulong, ulong) Value => (_a, _b);

        public void Add(long value)
        {
            ulong v = Mix((ulong)value);
            _a = unchecked((_a ^ v) * 0x100000001b3UL) + 0x9E3779B97F4A7C15UL;
            _b = unchecked(BitOperations.RotateLeft(_b + Mix(v ^ 0xD6E8FEB86659FD93UL), 27) * 0x94D049BB133111EBUL);
        }

        private static ulong Mix(ulong z)
        {
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return z ^ (z >> 31);
        }
    }
}
