//! Polynomial commitments and NTTs against plonky2, on the CPU path and on
//! whatever GPU adapter wgpu finds (lavapipe in CI), with u32 and (where the
//! adapter has it) u64 arithmetic. With CI=true a missing adapter fails these
//! tests; elsewhere they say so and pass.
//!
//! The commitment cases sample the ranges (degree 2^3..2^16, rate_bits 1..4,
//! 1..200 polynomials, cap height 0..4, blinding off and on, values and
//! coefficients) rather than taking their product, to stay quick on a
//! software adapter.

mod common;

use common::backends::open_gpu_with;

use std::sync::OnceLock;

use plonky2::field::fft::{fft, ifft};
use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::{Field, PrimeField64};
use plonky2::fri::oracle::SALT_SIZE;
use plonky2::util::timing::TimingTree;
use zkpor::backend::cpu::dft as lde;
use zkpor::backend::gpu::Arith;
use zkpor::backend::{
    Backend, CpuBackend, Direction, GpuBackend, GpuError, GpuOptions, Oracle, OracleShape, Oracles,
    Polys, Salt,
};
use zkpor::datagen::Rng;
use zkpor::field::{F, P};

/// The GPU set-ups under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    U32,
    U64,
    /// u32 arithmetic, a 4 KiB binding budget and chunks of at most 8 rows:
    /// many column groups and row chunks on small inputs.
    Tiny,
}

const SETUPS: [Setup; 3] = [Setup::U32, Setup::U64, Setup::Tiny];
const TINY_BUDGET: u64 = 4096;

fn open(setup: Setup) -> Option<GpuBackend> {
    let arith = if setup == Setup::U64 {
        Arith::U64
    } else {
        Arith::U32
    };
    let mut opts = GpuOptions {
        arith: Some(arith),
        ..GpuOptions::default()
    };
    if setup == Setup::Tiny {
        opts.max_chunk_log = 3;
        opts.binding_budget = TINY_BUDGET;
    }
    open_gpu_with(opts)
}

/// One backend per set-up, shared by the tests in this binary.
fn gpu(setup: Setup) -> Option<&'static GpuBackend> {
    static CELLS: [OnceLock<Option<GpuBackend>>; 3] = [const { OnceLock::new() }; 3];
    let i = SETUPS.iter().position(|&s| s == setup).unwrap_or(0);
    CELLS[i].get_or_init(|| open(setup)).as_ref()
}

/// Random canonical elements, with the edge values p - 1, 0 and 1 mixed in.
fn elements(rng: &mut Rng, n: usize) -> Vec<F> {
    (0..n)
        .map(|i| match i % 97 {
            5 => F::NEG_ONE,
            11 => F::ZERO,
            13 => F::ONE,
            _ => F::from_canonical_u64(rng.next_u64() % P),
        })
        .collect()
}

/// Where two slices first differ, for messages that do not print megabytes.
fn first_difference<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter().zip(b).position(|(x, y)| x != y)
}

/// Columns, or rows: vector `c` of `got` against vector `c` of `want`.
fn assert_same_columns(got: &[Vec<F>], want: &[Vec<F>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: count");
    for (c, (g, w)) in got.iter().zip(want).enumerate() {
        if let Some(i) = first_difference(g, w) {
            panic!("{what}: vector {c} differs first at element {i}");
        }
    }
}

#[test]
fn ntt_matches_plonky2_fft_and_ifft() {
    let mut rng = Rng::new(11);
    for log_n in 1..=16usize {
        let n = 1 << log_n;
        let count = (4096 / n).clamp(1, 5);
        let columns: Vec<Vec<F>> = (0..count).map(|_| elements(&mut rng, n)).collect();
        let forward: Vec<Vec<F>> = columns
            .iter()
            .map(|c| fft(PolynomialCoeffs::new(c.clone())).values)
            .collect();
        let inverse: Vec<Vec<F>> = columns
            .iter()
            .map(|c| ifft(PolynomialValues::new(c.clone())).coeffs)
            .collect();
        let cases = [
            (Direction::Forward, &forward),
            (Direction::Inverse, &inverse),
        ];
        for (direction, want) in cases {
            let cpu = lde::ntt_columns(columns.clone(), direction);
            assert_same_columns(&cpu, want, &format!("cpu {direction:?} 2^{log_n}"));
            for setup in SETUPS {
                if setup == Setup::Tiny && n * 8 > TINY_BUDGET as usize {
                    continue;
                }
                let Some(gpu) = gpu(setup) else { continue };
                let (got, _) = gpu.ntt_columns(&columns, direction).expect("ntt");
                assert_same_columns(&got, want, &format!("{setup:?} {direction:?} 2^{log_n}"));
            }
        }
    }
}

#[test]
fn a_2_pow_20_ntt_matches_plonky2() {
    let Some(gpu) = gpu(Setup::U32).or(gpu(Setup::U64)) else {
        return;
    };
    let column = elements(&mut Rng::new(12), 1 << 20);
    let want = fft(PolynomialCoeffs::new(column.clone())).values;
    let (got, _) = gpu.ntt_columns(&[column], Direction::Forward).expect("ntt");
    assert_same_columns(&got, &[want], "2^20 forward");
}

#[test]
fn coset_ldes_match_plonky2() {
    let mut rng = Rng::new(13);
    for (log_n, rate_bits, count) in [
        (0usize, 2usize, 3usize),
        (1, 1, 2),
        (4, 4, 9),
        (9, 3, 2),
        (12, 1, 3),
    ] {
        let polys: Vec<PolynomialCoeffs<F>> = (0..count)
            .map(|_| PolynomialCoeffs::new(elements(&mut rng, 1 << log_n)))
            .collect();
        let want: Vec<Vec<F>> = polys
            .iter()
            .map(|p| {
                p.lde(rate_bits)
                    .coset_fft_with_options(F::coset_shift(), Some(rate_bits), None)
                    .values
            })
            .collect();
        let what = format!("2^{log_n} rate {rate_bits}");
        assert_same_columns(
            &lde::coset_ldes(&polys, rate_bits),
            &want,
            &format!("cpu {what}"),
        );
        for setup in SETUPS {
            if setup == Setup::Tiny && (8usize << (log_n + rate_bits)) > TINY_BUDGET as usize {
                continue;
            }
            let Some(gpu) = gpu(setup) else { continue };
            let (got, _) = gpu.coset_lde(&polys, rate_bits).expect("coset lde");
            assert_same_columns(&got, &want, &format!("{setup:?} {what}"));
        }
    }
}

/// One commitment to check.
#[derive(Clone, Copy, Debug)]
struct Case {
    log_n: usize,
    rate_bits: usize,
    polys: usize,
    cap_height: usize,
    values: bool,
    blinding: bool,
}

const fn case(
    log_n: usize,
    rate_bits: usize,
    polys: usize,
    cap_height: usize,
    values: bool,
    blinding: bool,
) -> Case {
    Case {
        log_n,
        rate_bits,
        polys,
        cap_height,
        values,
        blinding,
    }
}

/// Each dimension's range, sampled: degree 2^3..2^16, rate_bits 1..4,
/// 1..200 polynomials (4 or fewer columns make noop leaves), cap 0..4.
const CASES: [Case; 11] = [
    case(3, 1, 1, 0, true, false),
    case(3, 4, 200, 4, false, true),
    case(4, 2, 7, 2, true, true),
    case(5, 3, 135, 3, true, false),
    case(6, 1, 20, 1, false, false),
    case(8, 2, 2, 4, true, true),
    case(10, 1, 3, 0, false, true),
    case(12, 3, 4, 4, true, false),
    case(13, 1, 9, 2, true, true),
    case(15, 1, 2, 4, false, true),
    case(16, 1, 1, 3, true, false),
];

impl Case {
    fn lde_len(&self) -> usize {
        1 << (self.log_n + self.rate_bits)
    }

    fn polys(&self, rng: &mut Rng) -> Polys {
        let n = 1 << self.log_n;
        if self.values {
            Polys::Values(
                (0..self.polys)
                    .map(|_| PolynomialValues::new(elements(rng, n)))
                    .collect(),
            )
        } else {
            Polys::Coeffs(
                (0..self.polys)
                    .map(|_| PolynomialCoeffs::new(elements(rng, n)))
                    .collect(),
            )
        }
    }

    fn shape(&self) -> OracleShape {
        OracleShape {
            rate_bits: self.rate_bits,
            cap_height: self.cap_height,
        }
    }
}

fn copy(polys: &Polys) -> Polys {
    match polys {
        Polys::Values(v) => Polys::Values(v.clone()),
        Polys::Coeffs(c) => Polys::Coeffs(c.clone()),
    }
}

/// plonky2's own commitment.
fn plonky2_commit(polys: Polys, c: &Case) -> Oracle {
    let mut timing = TimingTree::default();
    match polys {
        Polys::Values(v) => {
            Oracle::from_values(v, c.rate_bits, c.blinding, c.cap_height, &mut timing, None)
        }
        Polys::Coeffs(p) => {
            Oracle::from_coeffs(p, c.rate_bits, c.blinding, c.cap_height, &mut timing, None)
        }
    }
}

/// The salt plonky2 drew, read back out of its leaves: the last SALT_SIZE
/// elements of each row, rows bit-reversed; returned as columns in LDE order.
fn salt_of(batch: &Oracle, c: &Case) -> Salt {
    if !batch.blinding {
        return Salt::None;
    }
    let log_lde = c.log_n + c.rate_bits;
    let columns = (0..SALT_SIZE)
        .map(|s| {
            (0..c.lde_len())
                .map(|i| {
                    batch.merkle_tree.leaves[zkpor::backend::dft::reverse_bits(i, log_lde)]
                        [c.polys + s]
                })
                .collect()
        })
        .collect();
    Salt::Given(columns)
}

fn assert_same_batch(got: &Oracle, want: &Oracle, what: &str) {
    let coeffs =
        |b: &Oracle| -> Vec<Vec<F>> { b.polynomials.iter().map(|p| p.coeffs.clone()).collect() };
    assert_same_columns(
        &coeffs(got),
        &coeffs(want),
        &format!("{what}: coefficients"),
    );
    assert_same_columns(
        &got.merkle_tree.leaves,
        &want.merkle_tree.leaves,
        &format!("{what}: LDE rows"),
    );
    if let Some(i) = first_difference(&got.merkle_tree.digests, &want.merkle_tree.digests) {
        panic!("{what}: digests differ first at {i}");
    }
    assert_eq!(got.merkle_tree.cap, want.merkle_tree.cap, "{what}: cap");
    assert_eq!(
        (got.degree_log, got.rate_bits, got.blinding),
        (want.degree_log, want.rate_bits, want.blinding),
        "{what}: parameters"
    );
    assert!(got == want, "{what}: batches differ");
}

#[test]
fn commitments_match_plonky2() {
    let mut rng = Rng::new(14);
    for c in CASES {
        let polys = c.polys(&mut rng);
        let want = plonky2_commit(copy(&polys), &c);
        let salt = || salt_of(&want, &c);

        let cpu = CpuBackend::detected()
            .oracle(copy(&polys), c.shape(), salt())
            .expect("cpu commit");
        assert_same_batch(&cpu, &want, &format!("cpu {c:?}"));
        for setup in SETUPS {
            if setup == Setup::Tiny && c.lde_len() * 8 > TINY_BUDGET as usize {
                continue;
            }
            let Some(gpu) = gpu(setup) else { continue };
            let got = gpu
                .try_oracle(copy(&polys), c.shape(), salt())
                .expect("gpu commit");
            assert_same_batch(&got, &want, &format!("{setup:?} {c:?}"));
        }
    }
}

#[test]
fn the_tiny_budget_splits_columns_and_rows() {
    // 37 columns of 64 values: 8 per 4 KiB group, 5 groups and a salt group;
    // 41-element rows: 8 per chunk, 8 chunks.
    let mut rng = Rng::new(15);
    let c = case(4, 2, 37, 2, true, true);
    let polys = c.polys(&mut rng);
    let want = plonky2_commit(copy(&polys), &c);
    let Some(gpu) = gpu(Setup::Tiny) else { return };
    let got = gpu
        .try_oracle(copy(&polys), c.shape(), salt_of(&want, &c))
        .expect("gpu commit");
    assert_same_batch(&got, &want, "tiny budget");
}

#[test]
fn random_salt_blinds_every_row() {
    let mut rng = Rng::new(16);
    let c = case(4, 1, 3, 1, false, true);
    let polys = c.polys(&mut rng);
    let unblinded = CpuBackend::detected()
        .oracle(copy(&polys), c.shape(), Salt::None)
        .expect("cpu commit");
    let mut backends: Vec<&dyn Backend> = vec![CpuBackend::detected()];
    backends.extend(gpu(Setup::U32).map(|g| g as &dyn Backend));
    for backend in backends {
        let blinded = backend
            .oracle(copy(&polys), c.shape(), Salt::Random)
            .expect("commit");
        assert!(blinded.blinding, "{}", backend.name());
        assert_eq!(blinded.polynomials, unblinded.polynomials);
        for (b, u) in blinded
            .merkle_tree
            .leaves
            .iter()
            .zip(&unblinded.merkle_tree.leaves)
        {
            assert_eq!(b.len(), u.len() + SALT_SIZE);
            assert_eq!(b[..u.len()], u[..], "{}: LDE values", backend.name());
        }
        assert_ne!(blinded.merkle_tree.cap, unblinded.merkle_tree.cap);
    }
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let Some(gpu) = gpu(Setup::U32) else { return };
    let shape = OracleShape {
        rate_bits: 1,
        cap_height: 0,
    };
    let poly = |n: usize| PolynomialCoeffs::new(vec![F::ONE; n]);
    let cases: Vec<(&str, Polys, OracleShape, Salt)> = vec![
        ("no polynomials", Polys::Coeffs(vec![]), shape, Salt::None),
        (
            "degrees differ",
            Polys::Coeffs(vec![poly(8), poly(4)]),
            shape,
            Salt::None,
        ),
        (
            "not a power of two",
            Polys::Coeffs(vec![poly(6)]),
            shape,
            Salt::None,
        ),
        (
            "cap above the tree",
            Polys::Coeffs(vec![poly(8)]),
            OracleShape {
                rate_bits: 1,
                cap_height: 5,
            },
            Salt::None,
        ),
        (
            "salt of the wrong shape",
            Polys::Coeffs(vec![poly(8)]),
            shape,
            Salt::Given(vec![vec![F::ONE; 16]; 3]),
        ),
    ];
    for (what, polys, shape, salt) in cases {
        match gpu.try_oracle(polys, shape, salt) {
            Err(GpuError::Shape(why)) => assert!(!why.is_empty(), "{what}"),
            Err(e) => panic!("{what}: expected a shape error, got {e}"),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
    let too_long = vec![vec![F::ONE; 1024]];
    if let Some(tiny) = self::gpu(Setup::Tiny) {
        assert!(matches!(
            tiny.ntt_columns(&too_long, Direction::Forward),
            Err(GpuError::Shape(_))
        ));
    }
    assert!(matches!(
        gpu.ntt_columns(&[vec![F::ONE; 3]], Direction::Forward),
        Err(GpuError::Shape(_))
    ));
}

#[test]
fn canonical_outputs_from_noncanonical_inputs() {
    // plonky2 accepts field elements stored as x + p; the device must see them reduced.
    let Some(gpu) = gpu(Setup::U32) else { return };
    let raw: Vec<F> = (0..16u64)
        .map(|i| F::from_noncanonical_u64(if i % 2 == 0 { P + i } else { i }))
        .collect();
    let reduced: Vec<F> = raw
        .iter()
        .map(|x| F::from_canonical_u64(x.to_canonical_u64()))
        .collect();
    let want = fft(PolynomialCoeffs::new(reduced)).values;
    let (got, _) = gpu.ntt_columns(&[raw], Direction::Forward).expect("ntt");
    assert_same_columns(&got, &[want], "noncanonical inputs");
}

#[test]
fn the_reference_path_hashes_through_any_backend() {
    // The CPU LDE with the GPU's `merkle_tree_rows`: plonky2's batch again.
    let Some(gpu) = gpu(Setup::U32) else { return };
    let mut rng = Rng::new(17);
    let c = case(5, 2, 6, 2, true, true);
    let polys = c.polys(&mut rng);
    let want = plonky2_commit(copy(&polys), &c);
    let got = zkpor::backend::oracle::derived(gpu, polys, c.shape(), salt_of(&want, &c))
        .expect("reference commit on the GPU");
    assert_same_batch(&got, &want, "reference path on the GPU");
}
