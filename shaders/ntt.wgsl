// Batched in-place NTT passes over Goldilocks, decimation in frequency:
// natural order in, bit-reversed order out. Column c of the bound data is
// elements [c n, (c + 1) n), n = 2^log_n, and every column is transformed.
//
// A DIF layer on index bit p pairs i and i + 2^p (bit p of i clear) into
// (a + b, (a - b) w^((i mod 2^p) 2^(log_n - 1 - p))), w the table's root of
// order n. One pass does `bits` consecutive layers, bits
// [low_bit, low_bit + bits) from the top down, in workgroup memory: the
// 2^bits elements that those layers mix (a "group": fixed high and low
// index bits) are loaded once, transformed, and written back. A workgroup
// holds 2^group_log groups side by side, 2^11 elements in all; when
// low_bit > 0 its groups differ in their low bits, so loads are runs of
// 2^group_log consecutive elements.
//
// The twiddle table holds w^t for t < n / 2, computed on the host from
// plonky2's primitive_root_of_unity (or its inverse for the inverse NTT).

struct NttParams {
    // Groups in the whole dispatch: columns * n / 2^bits.
    groups: u32,
    log_n: u32,
    low_bit: u32,
    bits: u32,
    // log2 of the groups per workgroup; bits + group_log <= TILE_LOG.
    group_log: u32,
    // Workgroups per row of the 2-D dispatch grid.
    row_len: u32,
    reserved0: u32,
    reserved1: u32,
}

@group(0) @binding(1) var<uniform> ntt: NttParams;
@group(0) @binding(2) var<storage, read> twiddles: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> data: array<vec2<u32>>;

const THREADS: u32 = 256u;
var<workgroup> tile: array<Fe, 2048>;

fn mask(bits: u32) -> u32 {
    return (1u << bits) - 1u;
}

// Global index of element m (0 <= m < 2^bits) of a group.
fn element(group: u32, m: u32) -> u32 {
    let low = group & mask(ntt.low_bit);
    let high = group >> ntt.low_bit;
    return (((high << ntt.bits) | m) << ntt.low_bit) | low;
}

// Load slot l -> (m, group within the workgroup). Consecutive invocations
// take consecutive addresses: along m when the pass starts at bit 0, across
// groups otherwise.
fn tile_coords(l: u32) -> vec2<u32> {
    if (ntt.low_bit == 0u) {
        return vec2<u32>(l & mask(ntt.bits), l >> ntt.bits);
    }
    return vec2<u32>(l >> ntt.group_log, l & mask(ntt.group_log));
}

fn tile_index(m: u32, g: u32) -> u32 {
    return (m << ntt.group_log) | g;
}

fn twiddle(e: u32) -> Fe {
    let v = twiddles[e];
    return fe_from_limbs(v.x, v.y);
}

// Butterfly u of the layer on bit q of m (bit low_bit + q of the index).
fn butterfly(u: u32, q: u32, first_group: u32) {
    let g = u & mask(ntt.group_log);
    let rest = u >> ntt.group_log;
    let below = rest & mask(q);
    let m0 = ((rest >> q) << (q + 1u)) | below;
    let i0 = tile_index(m0, g);
    let i1 = i0 | (1u << (q + ntt.group_log));
    // i mod 2^(low_bit + q) for the pair's lower index i.
    let j = (below << ntt.low_bit) | ((first_group + g) & mask(ntt.low_bit));
    let w = twiddle(j << (ntt.log_n - 1u - ntt.low_bit - q));
    let a = tile[i0];
    let b = tile[i1];
    tile[i0] = fe_add(a, b);
    tile[i1] = fe_mul(fe_sub(a, b), w);
}

@compute @workgroup_size(256)
fn ntt_pass(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let first_group = (wid.y * ntt.row_len + wid.x) << ntt.group_log;
    let size = 1u << (ntt.bits + ntt.group_log);
    for (var l = t; l < size; l = l + THREADS) {
        let c = tile_coords(l);
        let group = first_group + c.y;
        if (group < ntt.groups) {
            let v = data[element(group, c.x)];
            tile[tile_index(c.x, c.y)] = fe_from_limbs(v.x, v.y);
        }
    }
    for (var layer = 0u; layer < ntt.bits; layer = layer + 1u) {
        workgroupBarrier();
        let q = ntt.bits - 1u - layer;
        for (var u = t; u < size / 2u; u = u + THREADS) {
            butterfly(u, q, first_group);
        }
    }
    workgroupBarrier();
    for (var l = t; l < size; l = l + THREADS) {
        let c = tile_coords(l);
        let group = first_group + c.y;
        if (group < ntt.groups) {
            let x = tile[tile_index(c.x, c.y)];
            data[element(group, c.x)] = vec2<u32>(fe_lo(x), fe_hi(x));
        }
    }
}
