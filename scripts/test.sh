#!/usr/bin/env bash
# The test command (README.md): installs what the tests need beyond the .NET SDK, then runs the suite.
# The MessagePack cross-checks and the independent image reader use Debian's python3-msgpack; the C
# layout test of the ABI structs (tests/abi/layout.c) uses gcc; the NativeAOT builds are published first.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need from Debian, installed in one apt-get run when missing: python3-msgpack (the
# MessagePack cross-checks and the independent image reader), gcc and libc6-dev with the kernel headers (the C
# layout test of the ABI structs; the fake render node of the capture tests, tests/capture-fake, seccomp.h),
# python3-protobuf and protoc (the CRIU dump fixtures are written and read back with protoc-compiled schemas),
# fish and zsh (the completion scripts are run in them).
missing=()
/usr/bin/python3 -c 'import msgpack' 2>/dev/null || missing+=(python3 python3-msgpack)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -e /usr/include/linux/seccomp.h ] || missing+=(linux-libc-dev)
# NativeAOT links with clang or, where it is missing, gcc, and strips with objcopy (binutils); .NET 10 brings
# its own zlib. The C library's tests build through pkg-config, check the header as C++ and run under valgrind.
command -v objcopy >/dev/null 2>&1 || missing+=(binutils)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkgconf)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
# AddressSanitizer's runtime for the C capture test (CapturePidCApiTests); Debian's gcc brings it, a bare one may not.
if command -v gcc >/dev/null 2>&1 && ! [ -e "$(gcc -print-file-name=libasan.so)" ]; then missing+=(libasan8); fi
/usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || missing+=(python3-protobuf)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
# strace shows that a named input is opened before anything looks at its path (InputOpenFirstTests).
command -v strace >/dev/null 2>&1 || missing+=(strace)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing ${missing[*]} (Debian) for the tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The published builds (the ReadyToRun and NativeAOT criu-image, libcriuimage.so) are made once, here, for the
# tests that compare them with the .NET build, capture with each, and link C programs against the library
# (NativeFact: skipped without this).
scripts/publish.sh r2r aot lib >/dev/null
export CRIU_IMAGE_ARTIFACTS=artifacts

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test CriuImage.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line in the plain form CI reads: "N passed, N failed, N skipped".
summary=$(grep -E '(Passed|Failed)!' "$log" | tail -1 || true)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
