#!/usr/bin/env bash
# Peak memory of every reporting command, outside the test suite:
#   scripts/bench-memory.sh [MAX_MAPPINGS] [MAX_BOS]     (defaults 10000000 and 1000000)
# Peak RSS (GNU time's %M) and wall seconds of `criu-image verify`, `plan`, `show`, `decode`, `info`, `stats` and
# (CRIU render nodes) `import -o -` (output to /dev/null) of: criu-images of 10^4 .. MAX_MAPPINGS mappings (CriuImage.Bench generate: 1,000 mappings per
# BO), criu-dev KFD images of 10^4 .. MAX_BOS BOs and criu-dev render nodes of as many BOs of one mapping each
# (bench/criu-c/criubench.c, protobuf-c's generated code, as CRIU writes them), each read from the file and
# from standard input (`COMMAND - < FILE`; `plan` as JSON too); `diff` of each criu-image with itself and with the
# same mappings shuffled over other BOs (every mapping a difference; its runs spill to $TMPDIR past 2^17). Then `verify --max-findings 0` of 3,000
# identical mappings (4.5*10^6 overlapping pairs, every one a finding). Uses the published ReadyToRun tool
# (scripts/publish.sh r2r) unless CLI is set. Needs gcc, protoc-c and libprotobuf-c-dev for the CRIU files.
# MAX_MAPPINGS 0 skips the criu-images; KINDS=node measures render nodes alone (default "kfd node"). CONTAINER_MIB=256 runs every command as .NET runs in a container of that
# memory limit: the GC's heap limited to 75% of it (DOTNET_GCHeapHardLimit, the runtime's default there); a row is
# safe at that limit when it exits 0 or 1 and its peak RSS stays under the limit. IDENTICAL=N (default 3000) sets the
# identical mappings of the last rows, and adds `verify` (text) of N identical mappings past 3,000 without
# --max-findings 0 (the pairs counted, 100 listed); DUPLICATES=N adds every command on a criu-image of N one-mapping
# BOs whose handles repeat every 1,000 (CriuImage.Bench duplicates: CRI105 on every BO past the first 1,000); DISTINCT=N
# adds every command on a criu-image of N one-mapping BOs whose handles all differ (verify's CRI105 slots).
# FROM_MAPPINGS=N starts the criu-image rows at N mappings (default 10000).
# The KFD images carry the private data a 6.12+ kernel hands CRIU (272 bytes a BO), so their replay runs past
# the kernel's RESTORE walk as a real image's does.
set -euo pipefail
cd "$(dirname "$0")/.."
max_mappings=${1:-10000000}
max_bos=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/CriuImage.Bench -c Release -v q -nologo >/dev/null
# The generators run without the container's heap limit (10^7 mappings need more); only the measured commands have it.
bench=(env -u DOTNET_GCHeapHardLimit dotnet bench/CriuImage.Bench/bin/Release/net10.0/CriuImage.Bench.dll)
protoc-c -Ifixtures/criu/proto --c_out="$work" fixtures/criu/proto/criudev.proto
gcc -O2 -I"$work" -o "$work/criubench" bench/criu-c/criubench.c "$work/criudev.pb-c.c" -lprotobuf-c
read -r -a cli <<< "${CLI:-$(scripts/publish.sh r2r)}"
if [ -n "${CONTAINER_MIB:-}" ]; then
  # Hex digits without 0x: CoreCLR takes either, but NativeAOT's reader of DOTNET_ settings ignores a 0x value
  # (an AOT run then had no limit at all; session 10).
  DOTNET_GCHeapHardLimit=$(printf '%x' $((CONTAINER_MIB * 1024 * 1024 * 3 / 4)))
  export DOTNET_GCHeapHardLimit
fi

measure() { # LABEL COMMAND FILE [ARGS]: one row, peak RSS in MiB, wall seconds, exit status
  local label=$1 command=$2 file=$3 rc=0
  shift 3
  /usr/bin/time -f '%M %e' -o "$work/t" "${cli[@]}" "$command" "$file" "$@" >/dev/null 2>"$work/err" || rc=$?
  read -r kib seconds < <(tail -n 1 "$work/t") # GNU time puts "Command exited with non-zero status N" first
  printf '%-34s %-8s %9.1f %8.2f %4d  %s\n' "$label" "$command" "$(echo "$kib / 1024" | bc -l)" "$seconds" "$rc" "$(head -c 120 "$work/err" | head -1)"
}

measure_stdin() { # LABEL COMMAND FILE [ARGS]: the same row, the file given as standard input (`-`)
  local label=$1 command=$2 file=$3 rc=0
  shift 3
  /usr/bin/time -f '%M %e' -o "$work/t" "${cli[@]}" "$command" - "$@" < "$file" >/dev/null 2>"$work/err" || rc=$?
  read -r kib seconds < <(tail -n 1 "$work/t") # GNU time puts "Command exited with non-zero status N" first
  printf '%-34s %-8s %9.1f %8.2f %4d  %s\n' "$label, stdin" "$command" "$(echo "$kib / 1024" | bc -l)" "$seconds" "$rc" "$(head -c 120 "$work/err" | head -1)"
}

every() { # LABEL FILE: every command on FILE, from the file and from standard input; plan as JSON too
  local label=$1 file=$2
  for command in verify plan show decode info stats; do measure "$label" "$command" "$file"; done
  measure "$label, json" plan "$file" --format json
  for command in verify plan show decode info stats; do measure_stdin "$label" "$command" "$file"; done
  case $label in CRIU\ render*) measure "$label" import "$file" -o -; measure_stdin "$label" import "$file" -o -; measure "$label" restorable "$file" ;; esac
}

printf '%-34s %-8s %9s %8s %4s\n' input command "peak MiB" seconds exit
n=${FROM_MAPPINGS:-10000}
while [ "$n" -le "$max_mappings" ]; do
  "${bench[@]}" generate "$n" "$work/image-$n.img"
  every "criu-image, $n mappings" "$work/image-$n.img"
  # diff of the image with itself (equal) and with its mappings scattered over other BOs (every mapping differs).
  "${bench[@]}" generate "$n" "$work/shuffled-$n.img" --shuffled
  measure "criu-image, $n mappings, itself" diff "$work/image-$n.img" "$work/image-$n.img"
  measure "criu-image, $n mappings, shuffled" diff "$work/image-$n.img" "$work/shuffled-$n.img"
  measure "criu-image, $n mappings, shuffled, json" diff "$work/image-$n.img" "$work/shuffled-$n.img" --format json
  rm -f "$work/image-$n.img" "$work/shuffled-$n.img"
  n=$((n * 10))
done

n=10000
while [ "$n" -le "$max_bos" ]; do
  for kind in ${KINDS:-kfd node}; do
    mkdir -p "$work/$kind-$n"
    case $kind in
      kfd) "$work/criubench" gen-kfd "$n" "$work/kfd-$n/amdgpu-kfd-5.img"; every "CRIU KFD image, $n BOs" "$work/kfd-$n/amdgpu-kfd-5.img" ;;
      node) "$work/criubench" gen-node "$n" "$work/node-$n/amdgpu-renderD-7.img"; every "CRIU render node, $n BOs" "$work/node-$n/amdgpu-renderD-7.img" ;;
    esac
    rm -rf "$work/$kind-$n"
  done
  n=$((n * 10))
done

if [ -n "${DUPLICATES:-}" ]; then
  "${bench[@]}" duplicates "$DUPLICATES" "$work/duplicates.img"
  every "criu-image, $DUPLICATES BOs, handles repeat" "$work/duplicates.img"
  rm -f "$work/duplicates.img"
fi

if [ -n "${DISTINCT:-}" ]; then
  "${bench[@]}" duplicates "$DISTINCT" "$work/distinct.img" "$DISTINCT"
  every "criu-image, $DISTINCT BOs, handles differ" "$work/distinct.img"
  rm -f "$work/distinct.img"
fi

[ "$max_mappings" -gt 0 ] || exit 0
identical=${IDENTICAL:-3000}
"${bench[@]}" identical "$identical" "$work/identical.img"
if [ "$identical" -le 3000 ]; then
  measure "$identical identical mappings" verify "$work/identical.img" --max-findings 0
  measure "$identical identical mappings" verify "$work/identical.img" --max-findings 0 --format json
  measure "$identical identical mappings" plan "$work/identical.img"
else
  measure "$identical identical mappings" verify "$work/identical.img"
fi
