#!/usr/bin/env bash
# Builds CRIU's own GPU-matching code (plugins/amdgpu/amdgpu_plugin_topology.c of a CRIU checkout) against
# harness.c, runs it on the random cases of gen-cases.py and writes criu-verdicts-REF.txt (cases + CRIU's
# results), which TopologyOracleTests replays with our matcher. With CASES = fixtures it runs the golden
# fixture pairs of HostCheckGoldenTests instead, each topology folder read by CRIU's own topology_parse, and
# writes criu-verdicts-fixtures-REF.txt. CRIU's files are used from the checkout in a temporary folder
# only; they are not copied into this repository.
# Usage: run-oracle.sh CRIU_GIT_DIR [REF] [CASES|fixtures] [SEED]   (REF default criu-dev)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
criu="$1"; ref="${2:-criu-dev}"; cases="${3:-400}"; seed="${4:-11}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/common"
for f in plugins/amdgpu/amdgpu_plugin_topology.c plugins/amdgpu/amdgpu_plugin_topology.h include/common/list.h include/common/compiler.h; do
  git --git-dir="$criu" show "$ref:$f" > "$work/$(basename "$f")"
done
mv "$work/list.h" "$work/compiler.h" "$work/common/"
cp "$here"/stubs/*.h "$work/"
# The one change to CRIU's file: topology_parse reads the folder harness.c names instead of
# /sys/class/kfd/kfd/topology/nodes/, listed in kernfs order by harness.c's opendir/readdir/closedir.
grep -q '^#define TOPOLOGY_PATH "/sys/class/kfd/kfd/topology/nodes/"$' "$work/amdgpu_plugin_topology.c"
sed -i 's|^#define TOPOLOGY_PATH .*|extern char harness_topology_path[];\n#define TOPOLOGY_PATH harness_topology_path|' "$work/amdgpu_plugin_topology.c"
gcc -O1 -w -I"$work" -Dopendir=harness_opendir -Dreaddir=harness_readdir -Dclosedir=harness_closedir \
  -c -o "$work/topology.o" "$work/amdgpu_plugin_topology.c"
gcc -O1 -w -I"$work" -o "$work/oracle" "$here/harness.c" "$work/topology.o"
commit="$(git --git-dir="$criu" rev-parse --short "$ref^{commit}")"
if [ "$cases" = fixtures ]; then
  out="$here/criu-verdicts-fixtures-$ref.txt"
  header="# CRIU $ref $commit amdgpu_plugin_topology.c (topology_parse of each fixtures/topology folder in kernfs order, then set_restore_gpu_maps), run by tests/topology-oracle/run-oracle.sh $ref fixtures: every case of HostCheckGoldenTests"
  (cd "$root" && /usr/bin/python3 "$here/gen-cases.py" --fixtures . > "$work/cases.txt" && "$work/oracle" < "$work/cases.txt" > "$work/results.txt")
  { echo "$header"; cat "$work/results.txt"; } > "$out"
else
  out="$here/criu-verdicts-$ref.txt"
  /usr/bin/python3 "$here/gen-cases.py" "$cases" "$seed" > "$work/cases.txt"
  "$work/oracle" < "$work/cases.txt" > "$work/results.txt"
  { echo "# CRIU $ref $commit amdgpu_plugin_topology.c, run by tests/topology-oracle/run-oracle.sh $ref $cases $seed"; cat "$work/cases.txt" "$work/results.txt"; } > "$out"
fi
grep -c '^result' "$out"
grep '^result' "$out" | cut -d' ' -f3 | sort | uniq -c
