#!/usr/bin/env bash
# Coverage-guided fuzzing of one parser with afl-fuzz and SharpFuzz (docs/reliability.md, "Fuzzing"):
#   scripts/fuzz-afl.sh TARGET MINUTES        scripts/fuzz-afl.sh list       (the targets)
#   scripts/fuzz-afl.sh all MINUTES           every target in turn, MINUTES each
# Publishes tests/CriuImage.Fuzz, instruments its copy of CriuImage.dll, seeds afl-fuzz from tests/corpus/TARGET
# (from the fixtures when it has no min-* yet), fuzzes for MINUTES, then brings back into tests/corpus/TARGET what
# it found: each crash and hang as crash-*/hang-* (triaged by replaying it without afl), and the queue minimised
# by afl-cmin as min-* (those of at most 4 KiB; the tests replay every file there). Inputs are at most 64 KiB (afl-fuzz -G). Prints executions, edges, run time and crashes.
# Needs afl++ (Debian: apt-get install afl++) and SharpFuzz's instrumenter (dotnet tool install --global
# SharpFuzz.CommandLine). FUZZ_WORK (default ~/.cache/criu-image-fuzz; afl-cmin refuses /tmp) holds afl's output; FUZZ_KEEP_CORPUS=1
# leaves tests/corpus/TARGET's min-* as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The harness runs from a copy outside the repository and finds the fixtures through this.
export CRIU_IMAGE_ROOT=$root
export PATH="$PATH:$HOME/.dotnet/tools"

work_root=${FUZZ_WORK:-$HOME/.cache/criu-image-fuzz}
bin=$work_root/bin
plain=$work_root/plain
build() {
  # FUZZ_NO_BUILD=1: use the harness published by the previous run (as "all" does after its first target).
  [ "${FUZZ_NO_BUILD:-0}" = 1 ] && [ -f "$plain/CriuImage.Fuzz.dll" ] && return
  dotnet publish tests/CriuImage.Fuzz -c Release -o "$plain" --nologo -v q >/dev/null
}

if [ "${1:-}" = list ]; then
  build
  dotnet "$plain/CriuImage.Fuzz.dll" list
  exit 0
fi
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
  echo "usage: scripts/fuzz-afl.sh TARGET MINUTES   (scripts/fuzz-afl.sh list: the targets)" >&2
  exit 2
fi
target=$1
minutes=$2
if [ "$target" = all ]; then
  build
  status=0
  for each in $(dotnet "$plain/CriuImage.Fuzz.dll" list | awk '{print $1}'); do
    FUZZ_NO_BUILD=1 "$0" "$each" "$minutes" || status=1
  done
  exit "$status"
fi
for tool in afl-fuzz afl-cmin sharpfuzz; do
  command -v "$tool" >/dev/null || { echo "fuzz-afl: $tool is missing (apt-get install afl++; dotnet tool install --global SharpFuzz.CommandLine)" >&2; exit 2; }
done

build
dotnet "$plain/CriuImage.Fuzz.dll" list | awk '{print $1}' | grep -qx -- "$target" || { echo "fuzz-afl: no target '$target' (scripts/fuzz-afl.sh list)" >&2; exit 2; }
# Only the library is instrumented: afl's map then counts the edges of our parsers, not of the harness or .NET.
rm -rf "$bin"
cp -r "$plain" "$bin"
sharpfuzz "$bin/CriuImage.dll" >/dev/null

work=$work_root/$target
corpus=$root/tests/corpus/$target
rm -rf "$work"
mkdir -p "$work/in" "$corpus"
# The last run's minimised queue, else seeds made from the fixtures; and the crashes and hangs found before (fixed now).
if compgen -G "$corpus/min-*" >/dev/null; then
  cp "$corpus"/min-* "$work/in/"
else
  dotnet "$plain/CriuImage.Fuzz.dll" seed "$target" "$work/in" >/dev/null
fi
for found in "$corpus"/crash-* "$corpus"/hang-*; do
  [ -e "$found" ] && cp "$found" "$work/in/"
done

# A 512 MiB heap: an input of at most 1 MiB that needs more is unbounded memory, which ends as a crash.
export DOTNET_GCHeapHardLimit=0x20000000 DOTNET_TieredCompilation=0
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=0
# afl-cmin wants the program by its full path.
run=("$(command -v dotnet)" "$bin/CriuImage.Fuzz.dll" run "$target")
echo "fuzz-afl: $target for $minutes min ($(ls "$work/in" | wc -l) inputs to start from)"
timeout --signal=INT $((minutes * 60 + 120)) afl-fuzz -V $((minutes * 60)) -G 65536 -i "$work/in" -o "$work/out" -t 5000 -m none -- "${run[@]}" >"$work/afl.log" 2>&1 || {
  echo "fuzz-afl: afl-fuzz failed; its log:" >&2
  tail -30 "$work/afl.log" >&2
  exit 2
}

stats=$work/out/default/fuzzer_stats
value() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" {print $2}' "$stats"; }

found=0
for kind in crashes hangs; do
  for file in "$work/out/default/$kind"/id:*; do
    [ -e "$file" ] || continue
    name=${kind%es}; name=${name%s}-$(sha256sum "$file" | cut -c1-12)
    cp "$file" "$corpus/$name"
    found=$((found + 1))
    echo "fuzz-afl: $kind/$(basename "$file") -> tests/corpus/$target/$name:"
    dotnet "$plain/CriuImage.Fuzz.dll" replay "$target" "$corpus/$name" | sed 's/^/  /' | head -8 || true
  done
done

if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
  rm -rf "$work/min"
  AFL_SKIP_BIN_CHECK=1 afl-cmin -i "$work/out/default/queue" -o "$work/min" -t 5000 -m none -- "${run[@]}" >"$work/cmin.log" 2>&1 || {
    echo "fuzz-afl: afl-cmin failed; the corpus is left as it was ($work/cmin.log)" >&2
    exit 1
  }
  rm -f "$corpus"/min-* "$corpus"/seed-*
  for file in "$work/min"/*; do
    # The corpus is committed, so it stays small: inputs over 4 KiB stay in $work/min.
    if [ "$(stat -c %s "$file")" -le 4096 ]; then
      cp "$file" "$corpus/min-$(sha256sum "$file" | cut -c1-12)"
    fi
  done
  # A target whose inputs are all larger (a contents file) keeps its smallest.
  if ! compgen -G "$corpus/min-*" >/dev/null; then
    smallest=$(ls -S "$work/min" | tail -1)
    cp "$work/min/$smallest" "$corpus/min-$(sha256sum "$work/min/$smallest" | cut -c1-12)"
  fi
fi

echo "fuzz-afl: $target: $(value execs_done) executions in $(value run_time) s ($(value execs_per_sec)/s), edges $(value edges_found) of $(value total_edges) ($(value bitmap_cvg)), corpus $(value corpus_count) -> $(ls "$corpus" | grep -c '^min-' || true) kept ($(du -sh --apparent-size "$corpus" | cut -f1)), crashes $(value saved_crashes), hangs $(value saved_hangs)"
[ "$found" -eq 0 ]
