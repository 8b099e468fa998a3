#!/usr/bin/env bash
# Regenerates the C# of the tests' and benchmarks' protobuf peer from tests/CriuImage.Tests/Support/Protobuf/criu-amdgpu.proto.
# Needs protoc (Debian: protobuf-compiler); the generated file is committed, so building needs no protoc.
set -euo pipefail
cd "$(dirname "$0")/../tests/CriuImage.Tests/Support/Protobuf"
protoc --csharp_out=. --csharp_opt=file_extension=.g.cs criu-amdgpu.proto
echo "regenerated $(ls ./*.g.cs)"
