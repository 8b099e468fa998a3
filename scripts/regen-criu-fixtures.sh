#!/usr/bin/env bash
# Regenerates fixtures/criu (CRIU amdgpu dump folders of every schema revision, damaged dumps, container
# archives) with fixtures/criu/generate.py. Needs python3-protobuf and protobuf-compiler (Debian).
# A test fails when the checked-in fixtures differ from what the generator writes.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/criu"
rm -rf archives criu-dev criu-dev-queues d5377d5d2 damaged hosts released-v3.17 released-v4.2 tasks
/usr/bin/python3 generate.py .
echo "regenerated fixtures/criu"
