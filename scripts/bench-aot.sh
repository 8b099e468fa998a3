#!/usr/bin/env bash
# NativeAOT against ReadyToRun, whole process, in one run (outside the test suite; wants a quiet machine):
#   scripts/bench-aot.sh [RUNS]        (default 11)
# Publishes both builds (scripts/publish.sh r2r aot), makes the inputs (clean images of 10^6 and 10^7
# mappings from the benchmark's workload; a criu-dev KFD image of 5x10^5 userptr BOs written with the protoc
# classes of fixtures/criu/generate.py: at 10^6 its private data, 272 bytes a BO as Linux 6.12+ writes it, makes
# the file 304 MB, past the 256 MiB this tool reads of a message file), then runs each command RUNS times per
# build, alternating, and prints the median wall time, the peak RSS (GNU time's %M, largest run) and the ratio
# ReadyToRun / AOT. Both builds must give the same output and exit status on every input, or the script stops;
# an input either build cannot read (exit 2) stops it too.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
mapfile -t built < <(scripts/publish.sh r2r aot)
r2r=${built[0]}
aot=${built[1]}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/CriuImage.Bench -c Release -v q -nologo >/dev/null
for n in 1000000 10000000; do
  dotnet bench/CriuImage.Bench/bin/Release/net10.0/CriuImage.Bench.dll generate "$n" "$work/clean-$n.img"
done
mkdir -p "$work/kfd"
/usr/bin/python3 - "$work/kfd/amdgpu-kfd-5.img" <<'PY'
import sys
sys.path.insert(0, "fixtures/criu")
import generate as g
m = g.load_protos()["criu-dev"]
bos = [(g.GPU_A if i % 2 == 0 else g.GPU_B, 0x7F00_0000_0000 + i * 0x10000, 4096, 0x5555_0000_0000 + i * 0x1000, g.USERPTR, 0xFFFFFFFF)
       for i in range(500_000)]
with open(sys.argv[1], "wb") as f:
    f.write(g.message_file(g.kfd(m, "criu-dev", bos)))
PY

measure() { # BUILD ARGS... -> "median_ms peak_kib"
  local exe=$1
  shift
  local times=() peak=0 i start end kib
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/rss" "$exe" "$@" >/dev/null 2>&1 || true
    kib=$(tail -1 "$work/rss")
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((runs / 2 + 1))p")" "$peak"
}

printf '| command | ReadyToRun wall | AOT wall | R2R / AOT | ReadyToRun peak RSS | AOT peak RSS |\n|---|---:|---:|---:|---:|---:|\n'
row() { # LABEL ARGS...
  local label=$1
  shift
  local a b
  a=$("$r2r" "$@" 2>&1; echo "exit $?")
  b=$("$aot" "$@" 2>&1; echo "exit $?")
  if [ "$a" != "$b" ]; then
    echo "the builds differ on: $*" >&2
    exit 1
  fi
  # An input the tool cannot read (exit 2) would time its refusal, not the command.
  if [ "${a##*exit }" = 2 ]; then
    echo "not read by the tool (exit 2), so not a benchmark: $*" >&2
    exit 1
  fi
  read -r rt rk < <(measure "$r2r" "$@")
  read -r at ak < <(measure "$aot" "$@")
  printf '| %s | %.1f ms | %.1f ms | %.2f | %.1f MiB | %.1f MiB |\n' "$label" "$(bc -l <<<"$rt / 1000")" "$(bc -l <<<"$at / 1000")" \
    "$(bc -l <<<"$rt / $at")" "$(bc -l <<<"$rk / 1024")" "$(bc -l <<<"$ak / 1024")"
}
row "--version (start-up)" --version
row "verify fixtures/criu-2025-06.img (small)" verify fixtures/criu-2025-06.img
row "verify 10^6 mappings" verify "$work/clean-1000000.img"
row "verify 10^7 mappings" verify "$work/clean-10000000.img"
row "verify criu-dev KFD image, 5x10^5 BOs" verify "$work/kfd/amdgpu-kfd-5.img"
row "verify criu-dev dump folder (fixture)" verify fixtures/criu/criu-dev
