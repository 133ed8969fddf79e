#!/usr/bin/env bash
# The hash of what the device binaries are built from: device-prep.sh records
# it, device-check.sh compares it (MATCH or STALE). Run from the repo root.
set -euo pipefail
cd "$(dirname "$0")/.."
find src shaders tests Cargo.toml Cargo.lock -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64
