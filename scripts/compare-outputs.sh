#!/usr/bin/env bash
# What verify, plan and restorable say, by two builds, compared byte for byte (exit code, standard output,
# standard error), outside the test suite: a change that should leave every report as it was (a pass fused, a
# walk made cheaper) is run against the build before it.
#   scripts/compare-outputs.sh "OLD-CLI" "NEW-CLI" [INPUTS...]
# e.g. scripts/compare-outputs.sh "dotnet /tmp/old/criu-image.dll" "dotnet /tmp/new/criu-image.dll"
# (old: `mkdir /tmp/old-src; git archive main | tar -x -C /tmp/old-src; dotnet build /tmp/old-src/src/Analyzer -c Release -o /tmp/old`).
# INPUTS default to every CRIU fixture dump folder (fixtures/criu/**), each run with every option set below, every
# render node of them alone (verify and plan, text and JSON) and the archives. ENV="NAME=VALUE ..." is set for both
# builds (e.g. ENV="DOTNET_GCHeapHardLimit=2000000" so that large render nodes are read again from their files).
# Prints each run that differs and a count; exit 1 when one does.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/compare-outputs.sh OLD-CLI NEW-CLI [INPUTS...]" >&2; exit 2; }
read -r -a old <<< "$1"
read -r -a new <<< "$2"
shift 2
read -r -a env <<< "${ENV:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
host=fixtures/criu/hosts/gfx1100-2

runs=()
add() { runs+=("$*"); }
if [ $# -gt 0 ]; then
  inputs=("$@")
  for input in "${inputs[@]}"; do
    for o in "" "--format json"; do add verify $o "$input"; add plan $o "$input"; add restorable $o "$input"; done
  done
else
  mapfile -t dumps < <(find fixtures/criu -name 'amdgpu-*' -printf '%h\n' | sort -u)
  for d in "${dumps[@]}"; do
    for o in "" "--format json" "--criu v4.2" "--contents serial" "--target pre-6.18" "--target-kernel 6.18.20" "--host $host"; do
      add verify $o "$d"
      add plan $o "$d"
    done
    add verify --format sarif "$d"
    add verify --max-findings 0 "$d"
    for o in "" "--format json" "--host $host" "--target-kernel 7.2.13"; do add restorable $o "$d"; done
  done
  mapfile -t nodes < <(find fixtures/criu -name 'amdgpu-renderD-*' | sort)
  for f in "${nodes[@]}"; do
    for o in "" "--format json"; do add verify $o "$f"; add plan $o "$f"; done
  done
  for a in fixtures/criu/archives/*; do
    for o in "" "--format json"; do add verify $o "$a"; add plan $o "$a"; add restorable $o "$a"; done
  done
fi

differ=0
for run in "${runs[@]}"; do
  read -r -a args <<< "$run"
  env "${env[@]}" "${old[@]}" "${args[@]}" > "$work/old.out" 2> "$work/old.err"; oc=$?
  env "${env[@]}" "${new[@]}" "${args[@]}" > "$work/new.out" 2> "$work/new.err"; nc=$?
  if [ "$oc" != "$nc" ] || ! cmp -s "$work/old.out" "$work/new.out" || ! cmp -s "$work/old.err" "$work/new.err"; then
    differ=$((differ + 1))
    echo "DIFFERS: $run (exit $oc -> $nc)"
    diff "$work/old.out" "$work/new.out" | head -5
    diff "$work/old.err" "$work/new.err" | head -5
  fi
done
echo "${#runs[@]} runs, $differ differ"
[ "$differ" -eq 0 ]
