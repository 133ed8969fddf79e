// Leaf hashing: one invocation per leaf of `width` elements, plonky2's
// overwrite-mode sponge (rate 8, capacity 4, no padding). With `noop` set,
// plonky2's hash_or_noop: a leaf of at most 4 elements is its own digest,
// zero-padded. Elements and digests are stored as (lo, hi) u32 pairs.

struct SpongeParams {
    count: u32,
    width: u32,
    noop: u32,
    // Invocations per row of the 2-D dispatch grid (large counts exceed 65535 workgroups in x).
    row_len: u32,
}

@group(0) @binding(1) var<uniform> sponge: SpongeParams;
@group(0) @binding(2) var<storage, read> leaf_inputs: array<u32>;
@group(0) @binding(3) var<storage, read_write> leaf_digests: array<u32>;

fn load_input(element: u32) -> Fe {
    return fe_from_limbs(leaf_inputs[2u * element], leaf_inputs[2u * element + 1u]);
}

fn store_digest(index: u32, d: array<Fe, 4>) {
    for (var i = 0u; i < 4u; i = i + 1u) {
        leaf_digests[8u * index + 2u * i] = fe_lo(d[i]);
        leaf_digests[8u * index + 2u * i + 1u] = fe_hi(d[i]);
    }
}

fn sponge_hash(base: u32, width: u32) -> array<Fe, 4> {
    var state: array<Fe, 12>;
    for (var i = 0u; i < 12u; i = i + 1u) {
        state[i] = fe_zero();
    }
    // Overwrite the rate with each chunk of 8; a short last chunk leaves the rest as is.
    for (var start = 0u; start < width; start = start + 8u) {
        // A fixed trip count with a guard, not `j < n`: the loop unrolls, every
        // index becomes a literal, and the state stays in registers.
        let n = min(8u, width - start);
        for (var j = 0u; j < 8u; j = j + 1u) {
            if (j < n) {
                state[j] = load_input(base + start + j);
            }
        }
        state = permute(state);
    }
    return array<Fe, 4>(state[0], state[1], state[2], state[3]);
}

fn noop_digest(base: u32, width: u32) -> array<Fe, 4> {
    var d = array<Fe, 4>(fe_zero(), fe_zero(), fe_zero(), fe_zero());
    for (var j = 0u; j < 4u; j = j + 1u) {
        if (j < width) {
            d[j] = load_input(base + j);
        }
    }
    return d;
}

@compute @workgroup_size(64)
fn hash_leaves(@builtin(global_invocation_id) gid: vec3<u32>) {
    let leaf = gid.y * sponge.row_len + gid.x;
    if (leaf >= sponge.count) {
        return;
    }
    let base = leaf * sponge.width;
    if (sponge.noop != 0u && sponge.width <= 4u) {
        store_digest(leaf, noop_digest(base, sponge.width));
    } else {
        store_digest(leaf, sponge_hash(base, sponge.width));
    }
}
