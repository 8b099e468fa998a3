#!/usr/bin/env bash
# Every command under a real memory limit, outside the test suite:
#   scripts/bench-cgroup.sh
# Runs each command of the NativeAOT and the ReadyToRun build (scripts/publish.sh; BUILDS="aot" for one, CLI="CMD ..."
# for another command) in a cgroup of its own whose memory limit is LIMIT_MIB (default 256), as a container's is:
# the kernel charges the process's memory (and the page cache and tmpfs pages it makes) to the cgroup, reclaims
# cache at the limit, and kills the process when what it holds does not fit (the OOM killer, exit 137). .NET reads
# the limit as a container's (both builds: the GC's heap then defaults to 75% of it). cgroup v1 (memory.limit_in_bytes,
# and memory.memsw.limit_in_bytes the same, so that swap cannot stretch it) or v2 (memory.max, memory.swap.max 0);
# where neither can be written (not root, no memory controller, v2 without the controller delegated), one line says
# so and the script exits 0 without a row.
# Inputs (generated outside the cgroup; counts as lists, "" for none):
#   IMAGE_COUNTS  criu-images of N mappings (CriuImage.Bench generate, 1,000 a BO)      default "1000000 10000000"
#   KFD_COUNTS    criu-dev KFD images of N BOs with 6.12+ private data (criubench)      default "1000000 2000000"
#   NODE_COUNTS   criu-dev render nodes of N one-mapping BOs (criubench)                default "1000000 10000000"
#   DUMP_COUNTS   dumps holding a KFD image and a render node of N BOs each             default "1000000"
#   DUMP_FORMS    how each dump is given: folder tar tgz zst                            default "folder tar tgz zst"
#   FILES         the given paths instead of the generated inputs
# COMMANDS limits the commands (default: each that applies to the input: verify, plan, show, info, stats, decode,
# diff of the input against itself, encode of its decode's JSON (criu-images up to ENCODE_MAX mappings, default
# 10^6), restorable, and import of CRIU files: -o - of a render node, -o FOLDER of a dump). TIMEOUT (seconds, default 1800) ends a run: the row says timeout.
# A row: the build, the input, the command, its exit status, whether the OOM killer ended it (oom_kill counted in
# the cgroup), the cgroup's peak (memory.max_usage_in_bytes or memory.peak: what the kernel charged, page cache and
# $TMPDIR on tmpfs included; the inputs are written outside the cgroup, so their pages are not), the process's peak
# RSS (GNU time's %M, shared libraries included), CPU seconds (user + system), wall seconds, and the first line of the
# command's errors. (v1's memory.failcnt is not shown: on this 6.18 kernel it stayed 0 even where the OOM killer ran.)
# A row fits the limit when its exit is 0 or 1 and no OOM kill happened. Needs gcc, protoc-c, libprotobuf-c-dev,
# GNU time, and zstd for the .tar.zst dumps.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$(( ${LIMIT_MIB:-256} * 1024 * 1024 ))
timeout_s=${TIMEOUT:-1800}
work=$(mktemp -d)
cleanup() {
  local group
  for group in "$root"/criu-image-bench-$$-*; do [ ! -d "$group" ] || rmdir "$group" 2>/dev/null || true; done
  rm -rf "$work"
}

# The cgroup layout this machine offers: v1's memory hierarchy, or v2's unified one with the memory controller.
if [ -n "${CGROUP_ROOT:-}" ]; then
  root=$CGROUP_ROOT
elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  root=/sys/fs/cgroup/memory
else
  root=/sys/fs/cgroup
fi
if [ -f "$root/memory.limit_in_bytes" ] || [ -f "$root/memory.usage_in_bytes" ]; then version=1; else version=2; fi
trap cleanup EXIT

make_group() { # NAME: a new cgroup with the limit, its path on stdout; fails where it cannot be made
  local group="$root/$1"
  mkdir "$group" 2>/dev/null || return 1
  if [ "$version" = 1 ]; then
    echo "$limit" > "$group/memory.limit_in_bytes" 2>/dev/null || return 1
    # With swap accounting, memory + swap gets the same limit: the process cannot spill past it into swap.
    if [ -f "$group/memory.memsw.limit_in_bytes" ]; then echo "$limit" > "$group/memory.memsw.limit_in_bytes" 2>/dev/null || return 1; fi
  else
    echo "$limit" > "$group/memory.max" 2>/dev/null || return 1
    if [ -f "$group/memory.swap.max" ]; then echo 0 > "$group/memory.swap.max" 2>/dev/null || return 1; fi
  fi
  echo "$group"
}

probe="criu-image-bench-$$-probe"
if ! group=$(make_group "$probe") 2>/dev/null; then
  echo "skip: no cgroup memory controller can be written under $root (cgroup v$version; needs root and v1's memory hierarchy or v2 with memory in cgroup.subtree_control): no row measured"
  exit 0
fi
rmdir "$group"
if [ "$version" = 1 ] && [ -f "$root/memory.memsw.limit_in_bytes" ]; then
  swap="memory + swap limited alike (memsw)"
elif [ "$version" = 1 ]; then
  swap="no swap accounting (memsw), $(awk 'NR > 1 { n++ } END { print (n ? n " swap areas on: the limit does not bound swap" : "swap is off") }' /proc/swaps)"
else
  swap="swap limited to 0 (memory.swap.max)"
fi
echo "cgroup v$version under $root, limit ${LIMIT_MIB:-256} MiB, $swap"

if [ -n "${CLI:-}" ]; then
  builds=(cli)
  clis=("$CLI")
else
  read -r -a builds <<< "${BUILDS:-aot r2r}"
  clis=()
  # One build at a time: publish.sh prints its paths in its own order, not the order asked for.
  for build in "${builds[@]}"; do clis+=("$(scripts/publish.sh "$build")"); done
fi

runs=0
measure() { # BUILD-INDEX LABEL COMMAND ARGS...: one row; standard input from $stdin when set
  local index=$1 label=$2 command=$3 rc=0 group u s e k peak oom
  shift 3
  runs=$((runs + 1))
  group=$(make_group "criu-image-bench-$$-$runs")
  read -r -a cli <<< "${clis[$index]}"
  # The shell moves itself into the cgroup and becomes the command: nothing else of the script is charged.
  /usr/bin/time -f '%U %S %e %M' -o "$work/t" timeout -s KILL "$timeout_s" \
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$group" "${cli[@]}" "$command" "$@" \
    < "${stdin:-/dev/null}" >/dev/null 2>"$work/err" || rc=$?
  read -r u s e k < <(tail -n 1 "$work/t") # GNU time puts "Command exited with non-zero status N" first
  if [ "$version" = 1 ]; then
    peak=$(cat "$group/memory.max_usage_in_bytes")
    oom=$(awk '$1 == "oom_kill" { print $2 }' "$group/memory.oom_control")
  else
    peak=$(cat "$group/memory.peak" 2>/dev/null || echo 0)
    oom=$(awk '$1 == "oom_kill" { print $2 }' "$group/memory.events")
  fi
  rmdir "$group" 2>/dev/null || true
  # timeout's own status when it had to end the run; otherwise the command's (137 after the OOM killer's SIGKILL).
  local said=$rc
  if [ "${oom:-0}" -gt 0 ]; then said="$rc oom"; elif [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "${e%.*}" -ge "$timeout_s" ]; }; then said="$rc timeout"; fi
  printf '%-5s %-46s %-11s %-10s %9.1f %9.1f %8.2f %8.2f  %s\n' "${builds[$index]}" "$label" "$command" "$said" \
    "$(echo "$peak / 1048576" | bc -l)" "$(echo "$k / 1024" | bc -l)" "$(echo "$u + $s" | bc)" "$e" \
    "$(head -1 "$work/err" | head -c 110)"
}

commands_for() { # KIND: the commands that apply to an input of that kind
  if [ -n "${COMMANDS:-}" ]; then echo "$COMMANDS"; return; fi
  case $1 in
    image) echo "verify plan show info stats decode diff encode" ;;
    kfd) echo "verify plan show info stats decode restorable" ;;
    node) echo "verify plan show info stats decode restorable import" ;;
    dump) echo "verify plan show info decode restorable import" ;;
    *) echo "verify plan show info stats decode" ;;
  esac
}

every() { # KIND LABEL PATH: every command of every build on PATH
  local kind=$1 label=$2 path=$3 index command
  for command in $(commands_for "$kind"); do
    for index in "${!builds[@]}"; do
      case $command in
        diff) measure "$index" "$label" diff "$path" "$path" ;;
        import)
          # A dump's render nodes become one image each in a folder; a render node's image goes to standard output.
          if [ "$kind" = dump ]; then measure "$index" "$label" import "$path" -o "$work/imported"; rm -rf "$work/imported"
          else measure "$index" "$label" import "$path" -o -; fi ;;
        encode)
          local mappings=${label%% *}
          if [ "$mappings" -le "${ENCODE_MAX:-1000000}" ] 2>/dev/null || [ -n "${FILES:-}" ]; then
            [ -f "$work/encode.json" ] || "${clis[0]}" decode "$path" -o "$work/encode.json" 2>/dev/null
            measure "$index" "$label" encode "$work/encode.json" -o /dev/null
          fi ;;
        *) measure "$index" "$label" "$command" "$path" ;;
      esac
    done
  done
  rm -f "$work/encode.json"
}

printf '%-5s %-46s %-11s %-10s %9s %9s %8s %8s  %s\n' build input command exit "cg MiB" "rss MiB" cpu/s wall/s error
if [ -n "${FILES:-}" ]; then
  for path in $FILES; do every other "$path" "$path"; done
  exit 0
fi

dotnet build bench/CriuImage.Bench -c Release -v q -nologo >/dev/null
bench=(dotnet bench/CriuImage.Bench/bin/Release/net10.0/CriuImage.Bench.dll)
protoc-c -Ifixtures/criu/proto --c_out="$work" fixtures/criu/proto/criudev.proto
gcc -O2 -I"$work" -o "$work/criubench" bench/criu-c/criubench.c "$work/criudev.pb-c.c" -lprotobuf-c

for n in ${IMAGE_COUNTS-1000000 10000000}; do
  "${bench[@]}" generate "$n" "$work/image-$n.img"
  every image "$n mappings, criu-image" "$work/image-$n.img"
  rm -f "$work/image-$n.img"
done
for n in ${KFD_COUNTS-1000000 2000000}; do
  "$work/criubench" gen-kfd "$n" "$work/amdgpu-kfd-5.img"
  every kfd "$n BOs, KFD image" "$work/amdgpu-kfd-5.img"
  rm -f "$work/amdgpu-kfd-5.img"
done
for n in ${NODE_COUNTS-1000000 10000000}; do
  "$work/criubench" gen-node "$n" "$work/amdgpu-renderD-7.img"
  every node "$n BOs, render node" "$work/amdgpu-renderD-7.img"
  rm -f "$work/amdgpu-renderD-7.img"
done
for n in ${DUMP_COUNTS-1000000}; do
  mkdir -p "$work/dump/checkpoint"
  "$work/criubench" gen-kfd "$n" "$work/dump/checkpoint/amdgpu-kfd-5.img"
  "$work/criubench" gen-node "$n" "$work/dump/checkpoint/amdgpu-renderD-7.img"
  for form in ${DUMP_FORMS:-folder tar tgz zst}; do
    case $form in
      folder) path=$work/dump/checkpoint ;;
      tar) path=$work/dump.tar; tar -C "$work/dump" -cf "$path" checkpoint ;;
      tgz) path=$work/dump.tar.gz; tar -C "$work/dump" -cf - checkpoint | gzip -1 > "$path" ;;
      zst) path=$work/dump.tar.zst; tar -C "$work/dump" -cf - checkpoint | zstd -q -1 -o "$path" ;;
    esac
    every dump "$n BOs, dump ($form)" "$path"
    [ "$form" = folder ] || rm -f "$path"
  done
  rm -rf "$work/dump"
done
