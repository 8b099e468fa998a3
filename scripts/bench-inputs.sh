#!/usr/bin/env bash
# Speed of the input layer against its peers, one run, the published NativeAOT build (docs/performance.md):
#   scripts/bench-inputs.sh [MIB]    (default 1024: MiB of contents in the big dump; needs zstd, python3 and
#                                     GNU time, Debian's zstd, python3 and time packages)
# - plain tar: verify of a tar holding MIB MiB of contents vs one holding 64 KiB (seeking past contents:
#   the time must not grow with the contents); on standard input, where it cannot seek, vs cat reading it;
# - zstd: verify of the .tar.zst vs `zstd -dc > /dev/null` of it;
# - gzip: verify of the .tar.gz vs .NET's inflater alone (CriuImage.Bench inflate) over it;
# - digest: verify of an OCI layout whose layer is the plain tar vs `sha256sum` of that blob, and of one
#   whose layer is the .tar.gz vs the inflater alone (the digest is hashed on another thread).
# Contents are half random, half zeros in 64 KiB runs, as GPU memory dumps are. Ratios are ours / peer;
# each whole-process figure includes .NET's start-up (the start-up row), the decoders row leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The published NativeAOT build (scripts/publish.sh aot), as users run it; CLI=PATH measures another build.
cli=${CLI:-$(scripts/publish.sh aot "$work/pub" | tail -1)}
dotnet build bench/CriuImage.Bench -c Release -v q -nologo >/dev/null
bench=(dotnet bench/CriuImage.Bench/bin/Release/net10.0/CriuImage.Bench.dll)

for size in small big; do
  mkdir -p "$work/$size/checkpoint"
  cp fixtures/criu/criu-dev/amdgpu-* "$work/$size/checkpoint/"
done
python3 - "$work/big/checkpoint/amdgpu-drm-pages-7-128-0000.img" "$mib" <<'PY'
import random, sys
rng = random.Random(19)
with open(sys.argv[1], "r+b") as f:
    f.seek(8)
    for i in range(int(sys.argv[2]) * 16):
        f.write(rng.randbytes(65536) if i % 2 == 0 else bytes(65536))
PY
for size in small big; do tar -C "$work/$size" -cf "$work/$size.tar" checkpoint; done
zstd -q -T1 -3 --check "$work/big.tar" -o "$work/big.tar.zst"
gzip -6 -c "$work/big.tar" > "$work/big.tar.gz"
python3 - "$work" <<'PY'
import hashlib, json, os, sys
work = sys.argv[1]
for name, layer, media in (("oci-plain", "big.tar", "application/vnd.oci.image.layer.v1.tar"), ("oci-gzip", "big.tar.gz", "application/vnd.oci.image.layer.v1.tar+gzip")):
    root = os.path.join(work, name)
    os.makedirs(os.path.join(root, "blobs", "sha256"))
    def blob(data=None, path=None):
        h = hashlib.sha256()
        size = 0
        if path:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk); size += len(chunk)
        else:
            h.update(data); size = len(data)
        hexd = h.hexdigest()
        target = os.path.join(root, "blobs", "sha256", hexd)
        if path:
            os.link(path, target)
        else:
            open(target, "wb").write(data)
        return hexd, size
    lh, ls = blob(path=os.path.join(work, layer))
    ch, cs = blob(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode())
    mh, ms = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + ch, "size": cs},
        "layers": [{"mediaType": media, "digest": "sha256:" + lh, "size": ls}],
        "annotations": {"io.podman.annotations.checkpoint.runtime.name": "crun"}}).encode())
    open(os.path.join(root, "index.json"), "w").write(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + mh, "size": ms}]}))
    open(os.path.join(root, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
    print(os.path.join(root, "blobs", "sha256", lh), file=open(os.path.join(work, name + ".layer"), "w"))
PY

# CPU seconds (user + system, all threads), best of 3: the machines this runs on are shared, and wall-clock
# time measures the neighbours. The overlap of hashing and decompression shows in wall time, on a quiet
# machine: WALL=1 measures that instead.
once() {
  if [ "${WALL:-0}" = 1 ]; then
    /usr/bin/time -o "$work/time" -f '%e' "$@" >/dev/null 2>&1 || true
    cat "$work/time"
  else
    /usr/bin/time -o "$work/time" -f '%U %S' "$@" >/dev/null 2>&1 || true
    awk '{print $1 + $2}' "$work/time"
  fi
}
least() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
seconds() {
  local best= _
  for _ in 1 2 3; do best=$(least "$best" "$(once "$@")"); done
  echo "$best"
}

# Ours and its peer run in turn, best of 5 each: the load of a shared machine drifts within seconds, so
# measuring one three times and then the other compares two different machines (shell command strings).
paired() {
  local label=$1 ours=$2 peer=$3 bo= bp= _
  for _ in 1 2 3 4 5; do
    bo=$(least "$bo" "$(once sh -c "$ours")")
    bp=$(least "$bp" "$(once sh -c "$peer")")
  done
  row "$label" "$bo" "$bp"
}

# A run that takes less than /usr/bin/time's 10 ms (the AOT build's start-up, a plain tar it seeks through):
# CPU seconds of 20 runs in a row, divided by 20.
seconds20() { echo "$(seconds sh -c 'for i in $(seq 20); do "$@" >/dev/null 2>&1 || true; done' sh "$@") / 20" | bc -l; }

# Each row ends with the 1-minute load average when it was measured: other processes share the machine.
printf '%-58s %9s %9s %7s %6s\n' "measure ($mib MiB of contents; ${WALL:+wall}${WALL:-cpu} s)" "ours" "peer" "ratio" "load"
row() { printf '%-58s %9.2f %9.2f %7.2f %6s\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"; }
row "plain tar, $mib MiB vs 64 KiB of contents" "$(seconds20 "$cli" verify "$work/big.tar")" "$(seconds20 "$cli" verify "$work/small.tar")"
paired "plain tar on standard input (no seeking) vs cat" "'$cli' verify - < '$work/big.tar'" "cat < '$work/big.tar' > /dev/null"
paired "zstd .tar.zst vs zstd -dc >/dev/null" "'$cli' verify '$work/big.tar.zst'" "zstd -dc '$work/big.tar.zst' >/dev/null"
paired "gzip .tar.gz vs .NET inflater alone" "'$cli' verify '$work/big.tar.gz'" "${bench[*]} inflate '$work/big.tar.gz'"
row "OCI plain layer (digest) vs sha256sum" "$(seconds "$cli" verify "$work/oci-plain")" "$(seconds sha256sum "$(cat "$work/oci-plain.layer")")"
paired "OCI gzip layer (digest + inflate) vs inflater alone" "'$cli' verify '$work/oci-gzip'" "${bench[*]} inflate '$(cat "$work/oci-gzip.layer")'"
row "start-up: verify of the dump folder vs --version" "$(seconds20 "$cli" verify "$work/small/checkpoint")" "$(seconds20 "$cli" --version)"
echo "decoders alone, one warm process (no start-up, no tar, no rules):"
"${bench[@]}" decoders "$work/big.tar.gz" "$work/big.tar.zst"
printf '%-58s %9s\n' "zstd -dc >/dev/null (its peer)" "$(seconds sh -c "zstd -dc '$work/big.tar.zst' >/dev/null")"
