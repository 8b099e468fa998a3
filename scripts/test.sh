#!/usr/bin/env bash
# The test command (README.md): installs what the tests need beyond the .NET SDK, then runs the suite.
# The MessagePack cross-checks and the independent image reader use Debian's python3-msgpack.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import msgpack' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing python3-msgpack (Debian) for the cross-checks"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-msgpack >/dev/null
fi

# The CRIU dump fixtures are written and read back by python3-protobuf with protoc-compiled schemas.
if ! /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || ! command -v protoc >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing python3-protobuf and protobuf-compiler (Debian) for the CRIU cross-checks"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-protobuf protobuf-compiler >/dev/null
fi

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
