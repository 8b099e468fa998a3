#!/usr/bin/env bash
# A long fuzzing run on demand (CI runs 20 seconds of it with seed 1 as part of the tests):
#   scripts/fuzz.sh [SECONDS] [SEED]      default 600 seconds, a seed from the clock
# Inputs that crash a reader are saved under tests/corpus (commit them: the tests replay the corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
export CRIU_IMAGE_FUZZ_SECONDS="${1:-600}"
export CRIU_IMAGE_FUZZ_SEED="${2:-$(date +%s)}"
echo "fuzzing for ${CRIU_IMAGE_FUZZ_SECONDS} s with seed ${CRIU_IMAGE_FUZZ_SEED}"
dotnet test tests/CriuImage.Tests -c Release --nologo --filter "FullyQualifiedName~FuzzTests" --logger "console;verbosity=detailed" | grep -E "fuzz:|crash-|Passed|Failed" || true
