#!/usr/bin/env bash
# Re-encodes every fixtures/*.json into fixtures/*.img (format 1.1) with the current build of criu-image.
# Run it after a deliberate change to the format, then review `git diff` and the golden files.
# A JSON source without an "image_id" first gets a fresh random one written into it, so that its image is
# reproduced byte for byte from then on. fixtures/v1.0/*.img are format 1.0 images kept as they are, for
# the readers' backward compatibility: no current tool writes 1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Analyzer -c Release -v q -nologo >/dev/null
for json in fixtures/*.json fixtures/verify/*.json; do
  if ! grep -q '"image_id"' "$json"; then
    id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    if grep -q '^  "gpu_page_size"' "$json"; then
      sed -i "0,/^  \"gpu_page_size\".*/s//&\n  \"image_id\": \"$id\",/" "$json"
    else
      sed -i "0,/^  \"abi\".*/s//&\n  \"image_id\": \"$id\",/" "$json"
    fi
    echo "gave $json the image id $id"
  fi
  dotnet src/Analyzer/bin/Release/net10.0/criu-image.dll encode "$json" -o "${json%.json}.img"
  echo "encoded $json"
done
