#!/usr/bin/env bash
# CRIU's own files at protobuf-c's speed, outside the test suite:
#   scripts/bench-criu.sh [COUNTS...]    (default 10000 100000 1000000)
# For each count N: a criu-dev KFD image of N BOs and a criu-dev render node of N BOs of one mapping each,
# written by protobuf-c's generated code (bench/criu-c/criubench.c). The peer is the same program reading
# the file, unpacking it, walking every BO (and mapping) and freeing it, as CRIU's plugin does; ours is
# `criu-image verify FILE` of both published builds (scripts/publish.sh: ReadyToRun and NativeAOT), or of the
# one command CLI names. The peer and each build run in turn, RUNS times (default 5), so that the load of a
# shared machine falls on all of them alike. Medians of CPU seconds (user + system, every thread: the figure
# to trust on a shared machine) and wall seconds, peak RSS (GNU time's %M, the smallest run), and the ratios
# ours/peer.
# BUILDS="aot" publishes and measures that build alone. AGAINST=DIR adds the builds of another checkout (its scripts/publish.sh), run in the same turns: a change
# measured against the code before it under the same load (`mkdir DIR; git archive main | tar -x -C DIR`).
# KINDS="kfd" or "node" measures one file kind; COMMANDS="verify plan show decode" measures those commands of ours
# (default verify; output to /dev/null) against the same peer run. The KFD images carry a 6.12+ kernel's private data.
# Needs gcc, protoc-c and libprotobuf-c-dev (Debian: gcc protobuf-c-compiler libprotobuf-c-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
protoc-c -Ifixtures/criu/proto --c_out="$work" fixtures/criu/proto/criudev.proto
gcc -O2 -I"$work" -o "$work/criubench" bench/criu-c/criubench.c "$work/criudev.pb-c.c" -lprotobuf-c
if [ -n "${CLI:-}" ]; then
  clis=("$CLI")
  names=(ours)
else
  read -r -a names <<< "${BUILDS:-r2r aot}"
  mapfile -t clis < <(scripts/publish.sh "${names[@]}")
fi
if [ -n "${AGAINST:-}" ]; then
  read -r -a builds <<< "${BUILDS:-r2r aot}"
  mapfile -t -O "${#clis[@]}" clis < <(cd "$AGAINST" && scripts/publish.sh "${builds[@]}" | sed "s|^|$AGAINST/|")
  names+=("${builds[@]/#/before-}")
fi

once() { # "cpu-seconds wall-seconds kib" of one run of "$@"
  local rc=0 u sy s k
  /usr/bin/time -f '%U %S %e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
  # verify's exit 1 is findings, a result; anything else means the run did not happen.
  if [ "$rc" -gt 1 ]; then cat "$work/err" "$work/t" >&2; exit 2; fi
  # The figures are the last line: GNU time puts "Command exited with non-zero status 1" before them.
  read -r u sy s k < <(tail -n 1 "$work/t")
  echo "$(echo "$u + $sy" | bc) $s $k"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

read -r -a commands <<< "${COMMANDS:-verify}"
read -r -a kinds <<< "${KINDS:-kfd node}"
printf '%-12s %8s %9s | %-17s' file count bytes "protobuf-c cpu/s/MiB"
for name in "${names[@]}"; do printf ' | %-30s' "$name cpu/s/MiB, cpu x mem x"; done
printf '\n'
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 100000 1000000)
for n in "${counts[@]}"; do
  for kind in "${kinds[@]}"; do
  for command in "${commands[@]}"; do
    case $kind in kfd) name=amdgpu-kfd-5.img ;; node) name=amdgpu-renderD-7.img ;; esac
    mkdir -p "$work/$n"; file="$work/$n/$name"
    "$work/criubench" "gen-$kind" "$n" "$file"
    : > "$work/peer"
    for i in "${!clis[@]}"; do : > "$work/ours-$i"; done
    for _ in $(seq "$runs"); do
      once "$work/criubench" "$kind" "$file" >> "$work/peer"
      for i in "${!clis[@]}"; do
        read -r -a cli <<< "${clis[$i]}"
        once "${cli[@]}" "$command" "$file" >> "$work/ours-$i"
      done
    done
    pc=$(cut -d' ' -f1 "$work/peer" | median); ps=$(cut -d' ' -f2 "$work/peer" | median); pk=$(cut -d' ' -f3 "$work/peer" | sort -n | head -1)
    printf '%-12s %8d %9d | %4.2f %4.2f %7.1f' "$kind $command" "$n" "$(stat -c %s "$file")" "$pc" "$ps" "$(echo "$pk / 1024" | bc -l)"
    for i in "${!clis[@]}"; do
      oc=$(cut -d' ' -f1 "$work/ours-$i" | median); os=$(cut -d' ' -f2 "$work/ours-$i" | median); ok=$(cut -d' ' -f3 "$work/ours-$i" | sort -n | head -1)
      # GNU time counts in 10 ms steps: a peer under one step is taken as 5 ms.
      printf ' | %4.2f %4.2f %7.1f, %5.2f %4.2f' "$oc" "$os" "$(echo "$ok / 1024" | bc -l)" \
        "$(echo "$oc / ($pc + 0.005)" | bc -l)" "$(echo "$ok / $pk" | bc -l)"
    done
    printf '\n'
    rm -f "$file"
  done
  done
done
