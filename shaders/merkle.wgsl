// Merkle reduction: each workgroup of 128 invocations takes up to 256
// consecutive nodes of one layer and reduces them `levels` layers up (at most
// 8) in workgroup memory, so a whole 256-leaf subtree costs one dispatch, not
// one host round trip per layer.
//
// Every computed layer is written compactly to `levels_out` (the account
// tree's layout, and the input of the next dispatch). With `scatter` set, the
// nodes are also written where plonky2's MerkleTree keeps them in `digests`:
// per cap subtree, siblings side by side, recursively interleaved.
//
// A node j of layer k has children 2j and 2j+1 of layer k-1; a missing right
// child (odd layer length) is the layer's padding digest when `use_pads` is set.

struct MerkleParams {
    in_len: u32,
    levels: u32,
    // Layer of the input nodes in the whole tree (0 = leaf digests).
    in_layer: u32,
    // Index of input node 0 within its layer; a multiple of 2^levels.
    in_first: u32,
    scatter: u32,
    scatter_inputs: u32,
    // log2(leaves per cap subtree): layers at or above it are not scattered.
    subtree_log: u32,
    // Interleaved index of digest 0 of the bound scatter window.
    scatter_base: u32,
    use_pads: u32,
    // Workgroups per row of the 2-D dispatch grid.
    row_len: u32,
    reserved0: u32,
    reserved1: u32,
    // Start, in digests, of each output layer 1..=8 in `levels_out` (index k-1).
    out_offsets: array<vec4<u32>, 2>,
    // Padding digest of input layer + k, for k < 8: limbs 0..3 then 4..7.
    pads: array<vec4<u32>, 16>,
}

@group(0) @binding(1) var<uniform> merkle: MerkleParams;
@group(0) @binding(2) var<storage, read> children: array<u32>;
@group(0) @binding(3) var<storage, read_write> levels_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> interleaved: array<u32>;

var<workgroup> nodes: array<u32, 2048>;

fn out_offset(level: u32) -> u32 {
    let k = level - 1u;
    return merkle.out_offsets[k / 4u][k % 4u];
}

// plonky2 `merkle_tree_prove`: pair q of layer i sits at 2 (q 2^(i+1) + 2^i - 1).
fn interleaved_index(layer: u32, node: u32) -> u32 {
    let n = merkle.subtree_log;
    let per_subtree = (1u << (n + 1u)) - 2u;
    let subtree = node >> (n - layer);
    let local = node & ((1u << (n - layer)) - 1u);
    return subtree * per_subtree + ((local >> 1u) << (layer + 2u)) + (1u << (layer + 1u)) - 2u + (local & 1u);
}

fn scatter_node(layer: u32, node: u32, slot: u32) {
    if (merkle.scatter == 0u || layer >= merkle.subtree_log) {
        return;
    }
    let at = 8u * (interleaved_index(layer, node) - merkle.scatter_base);
    for (var i = 0u; i < 8u; i = i + 1u) {
        interleaved[at + i] = nodes[8u * slot + i];
    }
}

// Literal indices only, into `nodes` and the digest arrays alike (see poseidon.wgsl).
fn slot_digest(slot: u32) -> array<Fe, 4> {
    let at = 8u * slot;
    return array<Fe, 4>(
        fe_from_limbs(nodes[at], nodes[at + 1u]),
        fe_from_limbs(nodes[at + 2u], nodes[at + 3u]),
        fe_from_limbs(nodes[at + 4u], nodes[at + 5u]),
        fe_from_limbs(nodes[at + 6u], nodes[at + 7u])
    );
}

// Writes digest `h` into a workgroup slot and at `out` in `levels_out`.
fn put_node(slot: u32, out: u32, h: array<Fe, 4>) {
    nodes[8u * slot + 0u] = fe_lo(h[0]);
    nodes[8u * slot + 1u] = fe_hi(h[0]);
    levels_out[out + 0u] = fe_lo(h[0]);
    levels_out[out + 1u] = fe_hi(h[0]);
    nodes[8u * slot + 2u] = fe_lo(h[1]);
    nodes[8u * slot + 3u] = fe_hi(h[1]);
    levels_out[out + 2u] = fe_lo(h[1]);
    levels_out[out + 3u] = fe_hi(h[1]);
    nodes[8u * slot + 4u] = fe_lo(h[2]);
    nodes[8u * slot + 5u] = fe_hi(h[2]);
    levels_out[out + 4u] = fe_lo(h[2]);
    levels_out[out + 5u] = fe_hi(h[2]);
    nodes[8u * slot + 6u] = fe_lo(h[3]);
    nodes[8u * slot + 7u] = fe_hi(h[3]);
    levels_out[out + 6u] = fe_lo(h[3]);
    levels_out[out + 7u] = fe_hi(h[3]);
}

fn pad_digest(k: u32) -> array<Fe, 4> {
    let a = merkle.pads[2u * k];
    let b = merkle.pads[2u * k + 1u];
    return array<Fe, 4>(fe_from_limbs(a.x, a.y), fe_from_limbs(a.z, a.w), fe_from_limbs(b.x, b.y), fe_from_limbs(b.z, b.w));
}

@compute @workgroup_size(128)
fn reduce_subtrees(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let w = wid.y * merkle.row_len + wid.x;
    // Load two children per invocation.
    for (var c = 2u * t; c < 2u * t + 2u; c = c + 1u) {
        let g = 256u * w + c;
        if (g < merkle.in_len) {
            for (var i = 0u; i < 8u; i = i + 1u) {
                nodes[8u * c + i] = children[8u * g + i];
            }
            if (merkle.scatter_inputs != 0u) {
                scatter_node(merkle.in_layer, merkle.in_first + g, c);
            }
        }
    }
    var len = merkle.in_len;
    for (var k = 0u; k < merkle.levels; k = k + 1u) {
        workgroupBarrier();
        let parents_here = 128u >> k;
        let parent_len = (len + 1u) / 2u;
        let g = w * parents_here + t;
        let valid = t < parents_here && g < parent_len;
        var h: array<Fe, 4>;
        if (valid) {
            let left = slot_digest(2u * t);
            var right: array<Fe, 4>;
            if (2u * g + 1u < len || merkle.use_pads == 0u) {
                right = slot_digest(2u * t + 1u);
            } else {
                right = pad_digest(k);
            }
            h = two_to_one(left, right);
        }
        // Everyone has read its children before any parent overwrites a slot.
        workgroupBarrier();
        if (valid) {
            let out = 8u * (out_offset(k + 1u) + g);
            put_node(t, out, h);
            scatter_node(merkle.in_layer + k + 1u, (merkle.in_first >> (k + 1u)) + g, t);
        }
        len = parent_len;
    }
}
