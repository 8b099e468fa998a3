#!/usr/bin/env bash
# Builds CRIU's own amdgpu plugin restore code (plugins/amdgpu of a CRIU checkout at REF, unmodified) with
# the recording fake kernel, libdrm and CRIU core of harness/, runs it on every fixture dump under FIXTURES
# and writes OUT/REF/<dump>.jsonl per target kernel and path. CRIU's files stay in a temporary folder; none
# is copied into this repository.
# Needs gcc, protoc-c, libdrm-dev, libprotobuf-c-dev, libprotobuf-dev (descriptor.proto), libcap-dev, python3 (the
# orders of a dump of three or more tasks).
# Usage: run-oracle.sh CRIU_GIT_DIR REF FIXTURES OUT     e.g.
#   tests/restore-oracle/run-oracle.sh /work/.mirror/checkpoint-restore+criu/repo criu-dev fixtures/criu tests/restore-oracle/recordings
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
criu="$1"; ref="$2"; fixtures="$(cd "$3" && pwd)"; out="$(mkdir -p "$4" && cd "$4" && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
git --git-dir="$criu" archive "$ref" plugins/amdgpu images criu/include criu/arch/x86/include include compel/include \
  compel/plugins/include compel/arch/x86/src/lib/include compel/arch/x86/plugins | tar -x -C "$work"
cd "$work"
# What CRIU's build generates before compiling a plugin: the include links, an empty feature header, the
# x86-64 syscall headers from its syscall table (compel/arch/x86/plugins/std/syscalls/Makefile.syscalls),
# and the protobuf-c code of images/*.proto and of the plugin's criu-amdgpu.proto.
ln -sfn ../arch/x86/src/lib/include compel/include/asm
ln -sfn arch/x86/asm include/common/asm
std=compel/plugins/include/uapi/std
mkdir -p "$std/asm" gen/common gen/images
cp compel/arch/x86/plugins/include/asm/*.h "$std/asm/"
touch gen/common/config.h
tbl=compel/arch/x86/plugins/std/syscalls/syscall_64.tbl
{ echo '#ifndef ASM_SYSCALL_CODES_H_64__'; echo '#define ASM_SYSCALL_CODES_H_64__'
  awk '/^__NR/{S=$1; sub("^__NR","SYS",S); print "#ifndef",$1; print "#define",$1,$2; print "#endif"; print "#ifndef",S; print "#define",S,$1; print "#endif"}' $tbl
  echo '#endif'; } > "$std/syscall-codes-64.h"
echo '#include <compel/plugins/std/syscall-codes-64.h>' > "$std/syscall-codes.h"
{ echo '#ifndef ASM_SYSCALL_PROTO_H_64__'; echo '#define ASM_SYSCALL_PROTO_H_64__'; echo '#ifndef loff_t'; echo '#define loff_t off_t'; echo '#endif'
  echo '#include <compel/plugins/std/syscall-codes-64.h>'; echo '#include <compel/plugins/std/syscall-types.h>'
  awk '/^__NR/{print "extern long", $3, substr($0, index($0,$4)), ";"}' $tbl; echo '#endif'; } > "$std/syscall-64.h"
echo '#include <compel/plugins/std/syscall-64.h>' > "$std/syscall.h"
(cd images && protoc-c --proto_path=. --proto_path=/usr/include --c_out=../gen/images ./*.proto)
protoc-c --proto_path=/usr/include --c_out=gen google/protobuf/descriptor.proto
(cd plugins/amdgpu && protoc-c --proto_path=. --c_out=. criu-amdgpu.proto)

inc=(-I "$work/compel/include/uapi" -iquote include -iquote criu/include -iquote criu/arch/x86/include -iquote . -iquote gen
     -I gen -iquote plugins/amdgpu -I /usr/include/libdrm)
defs=(-D_GNU_SOURCE)
grep -q 'bool \*retry_needed' criu/include/criu-plugin.h && defs+=(-DORACLE_RETRY)
grep -q 'CR_PLUGIN_HOOK__RESTORE_INIT' criu/include/criu-plugin.h && defs+=(-DORACLE_RESTORE_INIT)
grep -q 'required uint32 handle = 6;' plugins/amdgpu/criu-amdgpu.proto && defs+=(-DORACLE_KFD_HANDLE)
objs=()
for f in plugins/amdgpu/*.c; do
  gcc -c -g -O0 -w "${defs[@]}" "${inc[@]}" -o "$f.o" "$f"; objs+=("$f.o")
done
for f in "$here"/harness/*.c; do
  gcc -c -g -O0 -Wall "${defs[@]}" "${inc[@]}" -I "$here/harness" -o "$work/$(basename "$f").o" "$f"; objs+=("$work/$(basename "$f").o")
done
wraps=open,fopen,opendir,stat,ioctl,close,fread,pthread_create,pthread_join
gcc -o oracle "${objs[@]}" -Wl,--wrap=${wraps//,/,--wrap=} -lprotobuf-c -lpthread

commit="$(git --git-dir="$criu" rev-parse --short=9 "$ref^{commit}")"
dest="$out/$ref"; mkdir -p "$dest"; rm -f "$dest"/*.jsonl
echo "CRIU $ref $commit plugins/amdgpu, fake kernel/libdrm/core of tests/restore-oracle/harness" > "$dest/SOURCE"
# Every other order of the tasks of a dump of three or more (up to ORDERS_MAX tasks: n! runs), each kept where it
# ends otherwise than CRIU's order (or a task in it was woken) and its tasks that open files run in an order not kept yet; the reverse is the
# run above. Tasks that open no file change nothing where they run, so their place is left out of the "order".
ORDERS_MAX=5
every_order() {
  local dir="$1" dest="$2" tasks order
  tasks="$(grep -o '"tasks":\[[0-9,]*\]' "$work/run.jsonl.serial" | head -1 | tr -dc '0-9,')"
  [ "$(tr ',' '\n' <<< "$tasks" | wc -l)" -ge 3 ] && [ "$(tr ',' '\n' <<< "$tasks" | wc -l)" -le "$ORDERS_MAX" ] || return 0
  # CRIU's own order is the serial run, the reverse the run above: their "order" keys are seen already.
  local seen="" first
  for first in "$tasks" "$(tr ',' '\n' <<< "$tasks" | tac | paste -sd,)"; do
    ./oracle "$dir" 6.18 serial "$work/order.jsonl" order "$first" || true
    seen+="$(grep -o '"order":\[[0-9,]*\]' "$work/order.jsonl")"$'\n'
  done
  for order in $(python3 -c 'import itertools,sys; print("\n".join(",".join(p) for p in itertools.permutations(sys.argv[1].split(","))))' "$tasks"); do
    ./oracle "$dir" 6.18 serial "$work/order.jsonl" order "$order" || true
    local key; key="$(grep -o '"order":\[[0-9,]*\]' "$work/order.jsonl")"
    if grep -qxF -- "$key" <<< "$seen"; then continue; fi
    seen+="$key"$'\n'
    if [ "$(grep '"outcome"' "$work/order.jsonl")" != "$(grep '"outcome"' "$work/run.jsonl.serial")" ] || grep -q '"wakes"' "$work/order.jsonl"; then
      cat "$work/order.jsonl" >> "$dest"
    fi
  done
}
# Every folder under FIXTURES that holds an amdgpu file is a dump; its name is its path with / as +.
find "$fixtures" -name 'amdgpu-*.img' -printf '%h\n' | sort -u | while read -r dir; do
  name="$(realpath --relative-to="$fixtures" "$dir" | tr / +)"
  # The releases whose KFD restore differs (6.18.20: no queue-buffer lookup, a MES GPU's queue oopses; 6.18.53: the
  # lookup; 7.2.13: the MES refusal and the DIQ-less queue types), on the parallel path, for a dump with a KFD image.
  releases=""
  if compgen -G "$dir/amdgpu-kfd-*.img" > /dev/null; then releases="6.18.20:parallel 6.18.53:parallel 7.2.13:parallel"; fi
  for run in 6.18:parallel 6.18:serial no-change-handle:parallel $releases; do
    kernel="${run%%:*}"; mode="${run##*:}"
    ./oracle "$dir" "$kernel" "$mode" "$work/run.jsonl" || true
    cat "$work/run.jsonl" >> "$dest/$name.jsonl"
    if [ "$kernel:$mode" = 6.18:serial ]; then cp "$work/run.jsonl" "$work/run.jsonl.serial"; fi
  done
  # A dump of several tasks (CRIU's fdinfo images): the tasks' other interleaving too, kept only where it ends
  # otherwise than CRIU's order (the 6.18 serial run just made: several tasks mean the serial path) or a task asleep
  # in it was woken by a descriptor another task sent it (a "wakes" line).
  if compgen -G "$dir/fdinfo-*.img" > /dev/null; then
    ./oracle "$dir" 6.18 serial "$work/reversed.jsonl" reversed || true
    if [ "$(grep '"outcome"' "$work/reversed.jsonl")" != "$(grep '"outcome"' "$work/run.jsonl.serial")" ] || grep -q '"wakes"' "$work/reversed.jsonl"; then
      cat "$work/reversed.jsonl" >> "$dest/$name.jsonl"
    fi
    every_order "$dir" "$dest/$name.jsonl"
  fi
done
ls "$dest" | wc -l
grep -h '"outcome"' "$dest"/*.jsonl | sed 's/"ret":[-0-9]*//;s/"file":"[^"]*"//' | sort | uniq -c
