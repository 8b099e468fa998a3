#!/usr/bin/env bash
# Publishes criu-image into artifacts/ (or the folder given), for this machine or for --rid RID:
#   criu-image/criu-image        ReadyToRun; needs the .NET 10 runtime. The fastest on big dumps (dynamic PGO).
#   criu-image-aot/criu-image    NativeAOT; needs nothing installed. Starts 10x faster (docs/performance.md).
#   lib/libcriuimage.so, include/criu_image.h, lib/pkgconfig/criu-image.pc
#                                the C library (NativeAOT, src/CriuImage.Native) and its header.
# Usage: scripts/publish.sh [--rid RID] [r2r] [aot] [lib] [OUT]     (default: all three, artifacts)
# Prints the path of what it built, one a line: the ReadyToRun executable, the AOT one, the library.
# NativeAOT links with clang, or gcc where clang is missing (Debian: gcc, libc6-dev, binutils); .NET 10
# links its own zlib, so zlib1g-dev is not needed. For linux-arm64 on an x64 machine (not run here):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install clang llvm binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev:arm64
#   scripts/publish.sh --rid linux-arm64
# Incremental: publishing again with nothing changed does not recompile. The AOT builds keep their restore
# output apart (Directory.Build.props); before, each run of this script compiled again (second run, load 33:
# r2r 39 s, aot 123 s, lib 98 s; now 5.0 s, 6.6 s, 7.4 s; the first run is unchanged: 114 s, 166 s, 126 s).
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "unknown architecture $(uname -m)" >&2; exit 2 ;;
esac
what=""
out=artifacts
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rid="$2"; shift 2 ;;
    r2r|aot|lib) what="$what $1"; shift ;;
    *) out="$1"; shift ;;
  esac
done
[ -n "$what" ] || what=" r2r aot lib"
wants() { [[ "$what" == *" $1"* ]]; }
publish() { # PROJECT FOLDER CONFIGURATION PROPERTIES...
  local project=$1 folder=$2 configuration=$3
  shift 3
  dotnet publish "$project" -c "$configuration" -r "$rid" -o "$folder" -v q -nologo "$@" >&2
}
if wants r2r; then
  publish src/Analyzer "$out/criu-image" Release --self-contained false
  echo "$out/criu-image/criu-image"
fi
if wants aot; then
  # ReleaseAot (Directory.Build.props): Release with its own bin/ and obj/, shared by the AOT executable and
  # the library, so that neither a ReadyToRun build nor the other AOT publish makes it recompile.
  publish src/Analyzer "$out/criu-image-aot" ReleaseAot
  echo "$out/criu-image-aot/criu-image"
fi
if wants lib; then
  publish src/CriuImage.Native "$out/obj/libcriuimage" ReleaseAot
  mkdir -p "$out/lib/pkgconfig" "$out/include"
  cp "$out/obj/libcriuimage/CriuImage.Native.so" "$out/lib/libcriuimage.so"
  cp src/CriuImage.Native/include/criu_image.h "$out/include/criu_image.h"
  version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
  # ${pcfiledir}: the .pc file names the folders around it, so artifacts/ can be moved or installed as a whole.
  cat > "$out/lib/pkgconfig/criu-image.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: criu-image
Description: Write and verify AMD GPU (amdgpu) checkpoint images from C
Version: $version
Libs: -L\${libdir} -lcriuimage
Cflags: -I\${includedir}
PC
  echo "$out/lib/libcriuimage.so"
fi
