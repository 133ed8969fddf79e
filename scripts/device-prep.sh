#!/usr/bin/env bash
# Prepares, on the development machine, what scripts/device-check.sh needs on a
# device machine that has no Rust toolchain and no network: the release binary
# and the GPU test binaries (stripped) in .device/, and the Vulkan loader
# packages in .gl/ (docs: /work/.library/device/README.md). Both folders are
# git-ignored; name them in the run's `carry`: [".gl", ".device"].
#
#   scripts/device-prep.sh            # then: run(command="scripts/device-check.sh", carry=[".gl",".device"])
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
nice=${NICE:-nice -n 10}

mkdir -p .device
$nice cargo build --release --bin zkpor
# The GPU differential tests and the CLI bench test; test binaries carry this
# checkout's path (CARGO_MANIFEST_DIR) baked in, so the check links it there.
tests=(gpu backends oracles tree)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done
if ! $nice cargo test --release --no-run "${args[@]}" --message-format=json 2>.device/build.log |
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["target"]["name"], m["executable"])
' >.device/tests.txt; then
    tail -40 .device/build.log >&2
    exit 1
fi
rm -f .device/bin/*
mkdir -p .device/bin
strip -o .device/bin/zkpor target/release/zkpor
while read -r name exe; do
    strip -o ".device/bin/test-$name" "$exe"
done <.device/tests.txt
echo "$root" >.device/manifest_dir
git rev-parse HEAD >.device/commit
scripts/source-hash.sh >.device/source.sha256
du -sh .device

if [ ! -d .gl ] || ! ls .gl/*.deb >/dev/null 2>&1; then
    mkdir -p .gl /tmp/amd64/partial
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update >/dev/null
    # shellcheck disable=SC2086
    (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gl
echo "ready: carry .gl and .device; the tree and both must stay under 64 MiB"
