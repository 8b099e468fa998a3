#!/usr/bin/env bash
# Benchmark of reading CRIU dumps where operators keep them, outside the test suite:
#   scripts/bench-archive.sh [GIB]    (default 10)
# Builds a criu-dev dump (fixtures/criu/criu-dev) whose BO 0 contents file is GIB GiB (sparse on disk),
# then times `criu-image verify` of the folder, of a plain .tar and of a .tar.gz holding it, beside the
# peers `tar -tvf` / `tar -tzvf` of the same archives, and `verify` of the folder with the small file.
# A plain tar is read by seeking past contents entries; a compressed one at the decompressor's speed.
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/Analyzer -c Release -v q -nologo >/dev/null
cli=(dotnet src/Analyzer/bin/Release/net10.0/criu-image.dll)

mkdir -p "$work/small/checkpoint" "$work/big/checkpoint"
cp fixtures/criu/criu-dev/amdgpu-* "$work/small/checkpoint/"
cp fixtures/criu/criu-dev/amdgpu-* "$work/big/checkpoint/"
truncate -s $((gib * 1024 * 1024 * 1024 + 8)) "$work/big/checkpoint/amdgpu-drm-pages-7-128-0000.img"
tar -C "$work/big" -cf "$work/big.tar" checkpoint
gzip -1 -c "$work/big.tar" > "$work/big.tar.gz"

seconds() { # runs "$@" with output discarded; prints wall seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

printf '%-44s %10s %10s %8s\n' "input ($gib GiB of contents)" "ours (s)" "peer (s)" "ratio"
row() { printf '%-44s %10.2f %10.2f %8.2f\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"; }
small=$(seconds "${cli[@]}" verify "$work/small/checkpoint")
big=$(seconds "${cli[@]}" verify "$work/big/checkpoint")
printf '%-44s %10.2f %10s %8s\n' "folder, 64 KiB of contents" "$small" "-" "-"
printf '%-44s %10.2f %10s %8s\n' "folder, $gib GiB of contents" "$big" "-" "-"
row "plain .tar, vs tar -tvf" "$(seconds "${cli[@]}" verify "$work/big.tar")" "$(seconds tar -tvf "$work/big.tar")"
row ".tar.gz, vs tar -tzvf" "$(seconds "${cli[@]}" verify "$work/big.tar.gz")" "$(seconds tar -tzvf "$work/big.tar.gz")"
