#!/usr/bin/env bash
# Publishes criu-image for this machine, ReadyToRun-compiled, to artifacts/criu-image/criu-image
# (or to the folder given). Needs the .NET runtime to run; start-up is half that of a plain build.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "unknown architecture $(uname -m)" >&2; exit 2 ;;
esac
out="${1:-artifacts/criu-image}"
dotnet publish src/Analyzer -c Release -r "$rid" --self-contained false -o "$out" -v q -nologo >/dev/null
echo "$out/criu-image"
