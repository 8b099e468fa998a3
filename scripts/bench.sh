#!/usr/bin/env bash
# Benchmarks, outside the test suite (they take a while and want a quiet machine):
#   scripts/bench.sh quick [MAPPINGS]     one table, ours beside each peer (default 1,000,000 mappings)
#   scripts/bench.sh scaling [MAX]        whole-process `criu-image verify` as published (scripts/publish.sh),
#                                         10^3 .. MAX mappings (default 10^7)
#   scripts/bench.sh bdn [ARGS]           the BenchmarkDotNet suite, e.g. bdn --filter '*Writer*'
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/CriuImage.Bench -c Release -v q -nologo >/dev/null
bench=bench/CriuImage.Bench/bin/Release/net10.0/CriuImage.Bench.dll
if [ "${1:-quick}" = scaling ]; then
  # The whole-process figures are for the CLI as shipped: published ReadyToRun.
  cli=$(scripts/publish.sh r2r)
  exec dotnet "$bench" "$@" --cli "$cli"
fi
exec dotnet "$bench" "${@:-quick}"
