// The first rate_bits layers of a coset LDE, done as one gather. plonky2
// evaluates a degree-n polynomial, zero-padded to N = n 2^rate_bits, on the
// coset s <w_N>. With the coefficients c_j s^j zero above n, a DIF NTT of
// size N starts with 2^rate_bits copies of them; block b (of n elements)
// continues as a size-n DIF NTT of c_j (s w_N^k)^j, k = reverse(b) over
// rate_bits bits, and the blocks together are the size-N DIF output
// (bit-reversed order). The host uploads powers[b n + j] = (s w_N^k)^j.
//
// lde[col N + b n + j] = coeffs[col n + j] * powers[b n + j].

struct SpreadParams {
    // Elements written: columns * N.
    count: u32,
    log_n: u32,
    log_lde: u32,
    // Invocations per row of the 2-D dispatch grid.
    row_len: u32,
}

@group(0) @binding(1) var<uniform> spread: SpreadParams;
@group(0) @binding(2) var<storage, read> spread_coeffs: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read> spread_powers: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read_write> spread_lde: array<vec2<u32>>;

@compute @workgroup_size(256)
fn coset_spread(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = gid.y * spread.row_len + gid.x;
    if (e >= spread.count) {
        return;
    }
    let pos = e & ((1u << spread.log_lde) - 1u);
    let col = e >> spread.log_lde;
    let j = pos & ((1u << spread.log_n) - 1u);
    let c = spread_coeffs[(col << spread.log_n) | j];
    let w = spread_powers[pos];
    let x = fe_mul(fe_from_limbs(c.x, c.y), fe_from_limbs(w.x, w.y));
    spread_lde[e] = vec2<u32>(fe_lo(x), fe_hi(x));
}
