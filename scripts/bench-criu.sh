#!/usr/bin/env bash
# CRIU's own files at protobuf-c's speed, outside the test suite:
#   scripts/bench-criu.sh [COUNTS...]    (default 10000 100000 1000000)
# For each count N: a criu-dev KFD image of N BOs and a criu-dev render node of N BOs of one mapping each,
# written by protobuf-c's generated code (bench/criu-c/criubench.c). The peer is the same program reading
# the file, unpacking it, walking every BO (and mapping) and freeing it, as CRIU's plugin does; ours is
# `criu-image verify FILE` as shipped (scripts/publish.sh, ReadyToRun). CPU seconds (user + system, every
# thread: the figure to trust on a shared machine), wall seconds and peak RSS (GNU time's %M), best of RUNS
# (default 3) each, and the ratios ours/peer.
# Needs gcc, protoc-c and libprotobuf-c-dev (Debian: gcc protobuf-c-compiler libprotobuf-c-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
protoc-c -Ifixtures/criu/proto --c_out="$work" fixtures/criu/proto/criudev.proto
gcc -O2 -I"$work" -o "$work/criubench" bench/criu-c/criubench.c "$work/criudev.pb-c.c" -lprotobuf-c
read -r -a cli <<< "${CLI:-$(scripts/publish.sh)}"

best() { # best of $runs: "cpu-seconds wall-seconds kib" of "$@"
  local c s k bc= bs= bk=
  for _ in $(seq "$runs"); do
    local rc=0
    /usr/bin/time -f '%U %S %e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
    # verify's exit 1 is findings, a result; anything else means the run did not happen.
    if [ "$rc" -gt 1 ]; then cat "$work/err" "$work/t" >&2; exit 2; fi
    read -r u sy s k < "$work/t"
    c=$(echo "$u + $sy" | bc)
    if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bc=$c; fi
    if [ -z "$bs" ] || [ "$(echo "$s < $bs" | bc)" = 1 ]; then bs=$s; fi
    if [ -z "$bk" ] || [ "$k" -lt "$bk" ]; then bk=$k; fi
  done
  echo "$bc $bs $bk"
}

printf '%-5s %8s %9s | %7s %7s %7s | %7s %7s %7s | %6s %6s %6s\n' file count bytes "pc cpu" "pc s" "pc MiB" "our cpu" "ours s" "our MiB" "cpu x" "wall x" "mem x"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 100000 1000000)
for n in "${counts[@]}"; do
  for kind in kfd node; do
    case $kind in kfd) name=amdgpu-kfd-5.img ;; node) name=amdgpu-renderD-7.img ;; esac
    mkdir -p "$work/$n"; file="$work/$n/$name"
    "$work/criubench" "gen-$kind" "$n" "$file"
    read -r pc ps pk <<< "$(best "$work/criubench" "$kind" "$file")"
    read -r oc os ok <<< "$(best "${cli[@]}" verify "$file")"
    # GNU time counts in 10 ms steps: a peer under one step is taken as 5 ms.
    printf '%-5s %8d %9d | %7.2f %7.2f %7.1f | %7.2f %7.2f %7.1f | %6.2f %6.2f %6.2f\n' "$kind" "$n" "$(stat -c %s "$file")" \
      "$pc" "$ps" "$(echo "$pk / 1024" | bc -l)" "$oc" "$os" "$(echo "$ok / 1024" | bc -l)" \
      "$(echo "$oc / ($pc + 0.005)" | bc -l)" "$(echo "$os / ($ps + 0.005)" | bc -l)" "$(echo "$ok / $pk" | bc -l)"
    rm -f "$file"
  done
done
