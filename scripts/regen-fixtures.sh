#!/usr/bin/env bash
# Re-encodes every fixtures/*.json into fixtures/*.img with the current build of criu-image.
# Run it after a deliberate change to the format, then review `git diff` and the golden files.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Analyzer -c Release -v q -nologo >/dev/null
for json in fixtures/*.json fixtures/verify/*.json; do
  dotnet src/Analyzer/bin/Release/net10.0/criu-image.dll encode "$json" -o "${json%.json}.img"
  echo "encoded $json"
done
