#!/usr/bin/env bash
# The whole device check in one command, under 8 minutes on a 16-core H200
# machine: Vulkan set up, a release build (or the binaries scripts/device-prep.sh
# left in .device/ where there is no toolchain), the GPU tests with CI=true,
# `zkpor bench --profile` at 2^16-2^24, a 10^7-user x 20-asset account tree on
# the GPU and on the SIMD CPU with the two tree.bin compared, and one batch
# proof per backend, a workgroup-size sweep and a binding-budget comparison.
# Every step has its own time limit, so one slow step cannot eat the lease;
# everything lands in $OUT.
#
#   run(command="scripts/device-check.sh", carry=[".gl", ".device"], timeout_s=480)
#   DEVICE_CHECK_SCALE=small OUT=/tmp/out scripts/device-check.sh   # lavapipe-sized rehearsal
set -uo pipefail

# --- Vulkan, as /work/.library/device/README.md says (first, before anything uses it):
# the carried loader packages, unpacked only where no loader is installed (a
# machine with one, such as a lavapipe rehearsal, keeps its own).
cd "$(dirname "$0")/.." || exit 1
if ! ldconfig -p | grep -q libvulkan && ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi

OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
SCALE=${DEVICE_CHECK_SCALE:-full}
WORK=${DEVICE_CHECK_WORK:-/tmp/zkpor-device-check}
rm -rf "$WORK" && mkdir -p "$WORK"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
rm -f "$OUT/bench-json.tar"
export ZKPOR_CACHE_DIR=$WORK/cache

case $SCALE in
full)
    PERM_LO="--min-log 16 --max-log 20"
    PERM_HI="--min-log 21 --max-log 24"
    TREES="--min-log 16 --max-log 22"
    NTT="--ntt-min-log 12 --ntt-max-log 20"
    USERS=10000000
    PROOF_USERS=256
    # Expected on 16 cores: about 40 + 20 + 50 + 10 + 2 x 30 + 40 + 30 + 80 s.
    SWEEP="--min-log 20 --max-log 20"
    BUDGET_TREES="--min-log 20 --max-log 21"
    T_TESTS=60 T_PERM_LO=60 T_PERM_HI=100 T_GEN=60 T_COMMIT=120 T_PROOF=120 T_SWEEP=60 T_REST=150
    TOTAL=${DEVICE_CHECK_BUDGET:-450}
    ;;
small)
    # For lavapipe (a CPU emulating a GPU): the same steps, sizes a 2-core machine runs in minutes.
    PERM_LO="--min-log 10 --max-log 11"
    PERM_HI="--min-log 12 --max-log 12"
    TREES="--min-log 10 --max-log 11"
    NTT="--ntt-min-log 8 --ntt-max-log 10"
    USERS=20000
    PROOF_USERS=16
    SWEEP="--min-log 10 --max-log 10"
    BUDGET_TREES="--min-log 11 --max-log 11"
    T_TESTS=300 T_PERM_LO=90 T_PERM_HI=90 T_GEN=60 T_COMMIT=240 T_PROOF=400 T_SWEEP=120 T_REST=240
    TOTAL=${DEVICE_CHECK_BUDGET:-1800}
    ;;
*)
    echo "DEVICE_CHECK_SCALE must be full or small" >&2
    exit 2
    ;;
esac

# One line per step in summary.txt: name, exit status, seconds. A step that
# runs out of time exits 124 and the check goes on with the next; every limit
# is also cut to what is left of TOTAL, so the whole check ends within it
# (a step with under 5 s left is skipped: rc=125).
DEADLINE=$((SECONDS + TOTAL))
step() {
    local name=$1 limit=$2 log=$3
    shift 3
    local t0=$SECONDS rc left=$((DEADLINE - SECONDS))
    if [ "$left" -lt 5 ]; then
        printf '%-28s rc=125 skipped: the %ss budget is spent\n' "$name" "$TOTAL" | tee -a "$SUMMARY"
        return 125
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    {
        echo "=== $name (limit ${limit}s): $*"
        timeout -k 5 "$limit" "$@"
    } >>"$log" 2>&1
    rc=$?
    printf '%-28s rc=%-3s %4ss  (log: %s)\n' "$name" "$rc" "$((SECONDS - t0))" "$(basename "$log")" | tee -a "$SUMMARY"
    return $rc
}

{
    echo "device check, scale $SCALE, $(date -u +%FT%TZ), commit $(cat .device/commit 2>/dev/null || git rev-parse HEAD 2>/dev/null)"
    echo "nproc: $(nproc)"
    lscpu | grep -E 'Model name|^CPU\(s\)|Thread|L3' || true
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"
    ldconfig -p | grep -c libvulkan | sed 's/^/libvulkan entries: /'
    # The prepared binaries against this tree's sources (scripts/device-prep.sh writes the hash).
    if [ -f .device/source.sha256 ]; then
        if [ "$(cat .device/source.sha256)" = "$(scripts/source-hash.sh)" ]; then
            echo ".device/bin: MATCH (built from these sources)"
        else
            echo ".device/bin: STALE (built from other sources: rerun scripts/device-prep.sh)"
        fi
    fi
} >>"$SUMMARY" 2>&1
# The whole machine, for the record (the bench JSON has the adapter, but only if a bench runs).
{
    echo "=== machine"
    uname -a
    free -g
    df -h /tmp
    nvidia-smi 2>&1
    nvidia-smi -q -d CLOCK,PERFORMANCE 2>&1
    env | grep -E '^(VK_|__EGL)' || true
    ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
    ldconfig -p | grep -E 'vulkan|nvidia' | head -40
} >>"$OUT/tests.log" 2>&1

# At most 8 files come back from $OUT, so every bench JSON goes into one tar
# as soon as its step ends (a check cut short keeps what it has).
keep() {
    [ -f "$WORK/$1" ] && tar -rf "$OUT/bench-json.tar" -C "$WORK" "$1"
}

# --- Build, or take the prepared binaries.
BIN=target/release/zkpor
if [ -x .device/bin/zkpor ]; then
    echo "using the prepared .device/bin (built at $(cat .device/commit 2>/dev/null))" >>"$SUMMARY"
    mkdir -p target/release && cp .device/bin/zkpor "$BIN"
    # Test binaries look for the checkout (and target/release/zkpor) where they were built.
    manifest=$(cat .device/manifest_dir 2>/dev/null || true)
    if [ -n "$manifest" ] && [ "$manifest" != "$PWD" ] && [ ! -e "$manifest" ]; then
        mkdir -p "$(dirname "$manifest")" && ln -s "$PWD" "$manifest"
    fi
    TESTS=()
    shopt -s nullglob
    for t in .device/bin/test-*; do TESTS+=("$t"); done
    shopt -u nullglob
    [ ${#TESTS[@]} -gt 0 ] || echo "FAIL: .device/bin holds no test-* binaries: rerun scripts/device-prep.sh" | tee -a "$SUMMARY"
elif command -v cargo >/dev/null 2>&1; then
    # A toolchain here but no prepared binaries: build offline (the device has no network).
    step build 300 "$OUT/tests.log" cargo build --offline --release --bin zkpor
    step "build tests" 300 "$OUT/tests.log" cargo test --offline --release --no-run --test gpu --test backends --test oracles --test tree
    TESTS=()
    for t in gpu backends oracles tree; do TESTS+=("cargo test --offline --release --test $t"); done
else
    echo "no cargo and no .device/bin: run scripts/device-prep.sh first" | tee -a "$SUMMARY"
    exit 1
fi
Z=$PWD/$BIN

# --- GPU tests; CI=true makes a missing adapter a failure, never a skip.
for t in "${TESTS[@]}"; do
    # shellcheck disable=SC2086
    CI=true step "test $(basename "${t##* }")" "$T_TESTS" "$OUT/tests.log" $t
done

# --- Benches with the profile (kernel times by timestamp queries where the adapter has them).
# Two runs, so that a limit reached at the largest sizes keeps the smaller ones
# (a bench writes its JSON only when it ends).
# shellcheck disable=SC2086
step "bench permutations low" "$T_PERM_LO" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only permutations $PERM_LO --json "$WORK/bench-permutations-low.json"
keep bench-permutations-low.json
# shellcheck disable=SC2086
step "bench permutations high" "$T_PERM_HI" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only permutations $PERM_HI --json "$WORK/bench-permutations-high.json"
keep bench-permutations-high.json

# --- The account tree at exchange scale, GPU against SIMD CPU, byte for byte.
G=$WORK/users
step "gen $USERS users" "$T_GEN" "$OUT/tree.log" "$Z" --quiet gen --users "$USERS" --assets 20 --seed 7 --out "$G"
A=(--accounts "$G/accounts.csv" --assets "$G/assets.csv" --reserves "$G/reserves.csv" --secret datasets/sample/secret.demo --json --force --tiers none)
for b in gpu cpu; do
    step "commit --backend $b" "$T_COMMIT" "$OUT/tree.log" "$Z" --quiet commit "${A[@]}" --backend "$b" --out "$WORK/commit-$b"
done
if step "cmp tree.bin gpu cpu" 60 "$OUT/tree.log" cmp "$WORK/commit-gpu/tree.bin" "$WORK/commit-cpu/tree.bin"; then
    echo "tree.bin: identical on gpu and cpu ($(stat -c %s "$WORK/commit-cpu/tree.bin") bytes)" >>"$SUMMARY"
fi
for b in gpu cpu; do
    [ -f "$WORK/commit-$b/summary.json" ] && grep -E '"(root|timings_ms|backend)"' -A8 "$WORK/commit-$b/summary.json" | head -30 >>"$OUT/tree.log"
done

# --- One batch proof per backend (plonky2, driver + plonky2, cpu, gpu u32, gpu u64).
step "bench proofs" "$T_PROOF" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only proofs --proof-users "$PROOF_USERS" --json "$WORK/bench-proofs.json"
keep bench-proofs.json

# --- Kernel shape: the hashing kernels at four workgroup sizes (outputs are
# identical; tests/gpu.rs checks that), and trees with the 128 MiB bindings
# zkpor planned for before against the adapter's own limit (the next step's
# trees use the adapter's).
# shellcheck disable=SC2086
step "bench workgroup sweep" "$T_SWEEP" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only permutations,trees $SWEEP \
    --gpu-workgroups 32,64,128,256 --json "$WORK/bench-sweep.json"
keep bench-sweep.json
# shellcheck disable=SC2086
step "bench trees 128 MiB bindings" "$T_SWEEP" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only trees $BUDGET_TREES \
    --gpu-binding-mib 128 --json "$WORK/bench-trees-128mib.json"
keep bench-trees-128mib.json

# --- Last, what the targets need least: tree, NTT and oracle benches.
# shellcheck disable=SC2086
step "bench trees,ntt,oracles" "$T_REST" "$OUT/bench.log" \
    "$Z" --quiet bench --backend gpu --profile --repeats 1 --only trees,ntt,oracles $TREES $NTT --json "$WORK/bench-trees-oracles.json"
keep bench-trees-oracles.json

rm -rf "$WORK"
echo "done: $(ls "$OUT" | tr '\n' ' ')" | tee -a "$SUMMARY"
# Failed steps fail the check.
! grep -qE 'rc=[1-9]' "$SUMMARY"
