#!/usr/bin/env bash
# CRIU's own files at protobuf-c's speed, outside the test suite:
#   scripts/bench-criu.sh [COUNTS...]    (default 10000 100000 1000000)
# For each count N: a criu-dev KFD image of N BOs and a criu-dev render node of N BOs of one mapping each,
# written by protobuf-c's generated code (bench/criu-c/criubench.c). The peer is the same program reading
# the file, unpacking it, walking every BO (and mapping) and freeing it, as CRIU's plugin does; ours is
# `criu-image verify FILE` as shipped (scripts/publish.sh, ReadyToRun). Wall seconds and peak RSS (GNU
# time's %M), best of RUNS (default 3) each, and the ratios ours/peer.
# Needs gcc, protoc-c and libprotobuf-c-dev (Debian: gcc protobuf-c-compiler libprotobuf-c-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
protoc-c -Ifixtures/criu/proto --c_out="$work" fixtures/criu/proto/criudev.proto
gcc -O2 -I"$work" -o "$work/criubench" bench/criu-c/criubench.c "$work/criudev.pb-c.c" -lprotobuf-c
read -r -a cli <<< "${CLI:-$(scripts/publish.sh)}"

best() { # best of $runs: "seconds kib" of "$@"
  local s k bs= bk=
  for _ in $(seq "$runs"); do
    local rc=0
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
    # verify's exit 1 is findings, a result; anything else means the run did not happen.
    if [ "$rc" -gt 1 ]; then cat "$work/err" "$work/t" >&2; exit 2; fi
    read -r s k < "$work/t"
    if [ -z "$bs" ] || [ "$(echo "$s < $bs" | bc)" = 1 ]; then bs=$s; fi
    if [ -z "$bk" ] || [ "$k" -lt "$bk" ]; then bk=$k; fi
  done
  echo "$bs $bk"
}

printf '%-12s %9s %10s %9s %9s %10s %9s %7s %7s\n' file count bytes "pc s" "pc MiB" "ours s" "ours MiB" "time x" "mem x"
for n in "${@:-10000 100000 1000000}"; do
  for kind in kfd node; do
    case $kind in kfd) name=amdgpu-kfd-5.img ;; node) name=amdgpu-renderD-7.img ;; esac
    mkdir -p "$work/$n"; file="$work/$n/$name"
    "$work/criubench" "gen-$kind" "$n" "$file"
    read -r ps pk <<< "$(best "$work/criubench" "$kind" "$file")"
    read -r os ok <<< "$(best "${cli[@]}" verify "$file")"
    printf '%-12s %9d %10d %9.3f %9.1f %10.3f %9.1f %7.2f %7.2f\n' "$kind" "$n" "$(stat -c %s "$file")" \
      "$ps" "$(echo "$pk / 1024" | bc -l)" "$os" "$(echo "$ok / 1024" | bc -l)" \
      "$(echo "$os / ($ps + 0.0005)" | bc -l)" "$(echo "$ok / $pk" | bc -l)"
    rm -f "$file"
  done
done
