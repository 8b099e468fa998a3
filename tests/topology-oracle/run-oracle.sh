#!/usr/bin/env bash
# Builds CRIU's own GPU-matching code (plugins/amdgpu/amdgpu_plugin_topology.c of a CRIU checkout) against
# harness.c, runs it on the random cases of gen-cases.py and writes criu-verdicts.txt (cases + CRIU's results),
# which TopologyOracleTests replays with our matcher. CRIU's files are used from the checkout in a temporary
# folder only; they are not copied into this repository.
# Usage: run-oracle.sh CRIU_GIT_DIR [REF] [CASES] [SEED]   (REF default criu-dev)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
criu="$1"; ref="${2:-criu-dev}"; cases="${3:-400}"; seed="${4:-11}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/common"
for f in plugins/amdgpu/amdgpu_plugin_topology.c plugins/amdgpu/amdgpu_plugin_topology.h include/common/list.h include/common/compiler.h; do
  git --git-dir="$criu" show "$ref:$f" > "$work/$(basename "$f")"
done
mv "$work/list.h" "$work/compiler.h" "$work/common/"
cp "$here"/stubs/*.h "$work/"
gcc -O1 -w -I"$work" -o "$work/oracle" "$here/harness.c" "$work/amdgpu_plugin_topology.c"
/usr/bin/python3 "$here/gen-cases.py" "$cases" "$seed" > "$work/cases.txt"
"$work/oracle" < "$work/cases.txt" > "$work/results.txt"
commit="$(git --git-dir="$criu" rev-parse --short "$ref^{commit}")"
{ echo "# CRIU $ref $commit amdgpu_plugin_topology.c, run by tests/topology-oracle/run-oracle.sh $ref $cases $seed"; cat "$work/cases.txt" "$work/results.txt"; } > "$here/criu-verdicts-$ref.txt"
grep -c '^result' "$here/criu-verdicts-$ref.txt"
cut -d' ' -f3 "$work/results.txt" | sort | uniq -c
