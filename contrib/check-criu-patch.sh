#!/usr/bin/env bash
# Compile check of contrib/criu-amdgpu-plugin-criu-image.patch against a CRIU tree:
#   contrib/check-criu-patch.sh CRIU_TREE [INCLUDE_DIR]
# CRIU_TREE is a CRIU checkout or a bare git dir (its criu-dev is taken); INCLUDE_DIR holds criu_image.h
# (default: src/CriuImage.Native/include). The tree is copied, never changed. In the copy: the headers CRIU
# generates (compel's syscall headers by `make compel/plugins/std.lib.a`, the protobuf-c headers of images/
# and of the plugin's schema), then `patch -p1`, then gcc -fsyntax-only -Wall -Werror of amdgpu_plugin_drm.c
# with CONFIG_CRIU_IMAGE, as the patched Makefile builds it. Needs make, gcc, patch, protoc with protoc-gen-c
# (Debian: protobuf-c-compiler, libprotobuf-c-dev) and libdrm-dev. Exit 0 when it compiles.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tree=$1
include=$(realpath "${2:-$here/src/CriuImage.Native/include}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -f "$tree/Makefile" ] && git --git-dir="$tree" rev-parse --verify -q criu-dev >/dev/null; then
  git --git-dir="$tree" archive criu-dev | tar -x -C "$work"
else
  cp -a "$tree/." "$work/"
fi
cd "$work"
make -s compel/plugins/std.lib.a >make.log 2>&1 || { cat make.log >&2; exit 1; }
(cd images && protoc --proto_path=. --proto_path=/usr/include --c_out=. ./*.proto)
mkdir -p images/google/protobuf
protoc --proto_path=/usr/include --c_out=images /usr/include/google/protobuf/descriptor.proto
(cd plugins/amdgpu && protoc --proto_path=. --c_out=. criu-amdgpu.proto)
patch -s -p1 < "$here/contrib/criu-amdgpu-plugin-criu-image.patch"
cd plugins/amdgpu
gcc -fsyntax-only -Wall -Werror -D_GNU_SOURCE -DCONFIG_CRIU_IMAGE -I"$include" -I ../../compel/include/uapi \
  -iquote../../include -iquote../../criu/include -iquote../../criu/arch/x86/include -iquote../.. -iquote../../images \
  -I/usr/include/libdrm amdgpu_plugin_drm.c
echo "amdgpu_plugin_drm.c with the patch compiles against $include/criu_image.h"
