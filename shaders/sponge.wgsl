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

// Every array below is indexed by literals only (see poseidon.wgsl): an
// array indexed by a loop variable is left to the driver to unroll, and one
// it does not unroll lives in slow local memory.
fn store_digest(index: u32, d: array<Fe, 4>) {
    let at = 8u * index;
    leaf_digests[at + 0u] = fe_lo(d[0]);
    leaf_digests[at + 1u] = fe_hi(d[0]);
    leaf_digests[at + 2u] = fe_lo(d[1]);
    leaf_digests[at + 3u] = fe_hi(d[1]);
    leaf_digests[at + 4u] = fe_lo(d[2]);
    leaf_digests[at + 5u] = fe_hi(d[2]);
    leaf_digests[at + 6u] = fe_lo(d[3]);
    leaf_digests[at + 7u] = fe_hi(d[3]);
}

// Overwrites the first `n` (at most 8) rate elements with the inputs at `at`.
fn absorb(state: ptr<function, array<Fe, 12>>, at: u32, n: u32) {
    if (n > 0u) {
        (*state)[0] = load_input(at + 0u);
    }
    if (n > 1u) {
        (*state)[1] = load_input(at + 1u);
    }
    if (n > 2u) {
        (*state)[2] = load_input(at + 2u);
    }
    if (n > 3u) {
        (*state)[3] = load_input(at + 3u);
    }
    if (n > 4u) {
        (*state)[4] = load_input(at + 4u);
    }
    if (n > 5u) {
        (*state)[5] = load_input(at + 5u);
    }
    if (n > 6u) {
        (*state)[6] = load_input(at + 6u);
    }
    if (n > 7u) {
        (*state)[7] = load_input(at + 7u);
    }
}

fn sponge_hash(base: u32, width: u32) -> array<Fe, 4> {
    var state = zero_state();
    // Overwrite the rate with each chunk of 8; a short last chunk leaves the rest as is.
    for (var start = 0u; start < width; start = start + 8u) {
        absorb(&state, base + start, min(8u, width - start));
        state = permute(state);
    }
    return array<Fe, 4>(state[0], state[1], state[2], state[3]);
}

fn noop_digest(base: u32, width: u32) -> array<Fe, 4> {
    var d = array<Fe, 4>(fe_zero(), fe_zero(), fe_zero(), fe_zero());
    if (width > 0u) {
        d[0] = load_input(base + 0u);
    }
    if (width > 1u) {
        d[1] = load_input(base + 1u);
    }
    if (width > 2u) {
        d[2] = load_input(base + 2u);
    }
    if (width > 3u) {
        d[3] = load_input(base + 3u);
    }
    return d;
}

@compute @workgroup_size(POSEIDON_WORKGROUP)
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
