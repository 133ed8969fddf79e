// Bit-reversal permutation of every column, times a constant: out[c n + i] =
// in[c n + reverse(i)] * scale, n = 2^log_n. Turns a DIF NTT's output into
// natural order; with scale = 1/n it finishes plonky2's ifft.

struct BitReverseParams {
    // Elements in all columns.
    count: u32,
    log_n: u32,
    // Invocations per row of the 2-D dispatch grid.
    row_len: u32,
    reserved0: u32,
    scale: vec2<u32>,
    reserved1: vec2<u32>,
}

@group(0) @binding(1) var<uniform> rev: BitReverseParams;
@group(0) @binding(2) var<storage, read> rev_in: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> rev_out: array<vec2<u32>>;

@compute @workgroup_size(256)
fn bit_reverse(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = gid.y * rev.row_len + gid.x;
    if (e >= rev.count) {
        return;
    }
    let i = e & ((1u << rev.log_n) - 1u);
    var r = 0u;
    if (rev.log_n > 0u) {
        r = reverseBits(i) >> (32u - rev.log_n);
    }
    let v = rev_in[e - i + r];
    let x = fe_mul(fe_from_limbs(v.x, v.y), fe_from_limbs(rev.scale.x, rev.scale.y));
    rev_out[e] = vec2<u32>(fe_lo(x), fe_hi(x));
}
