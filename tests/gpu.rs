//! The GPU's field arithmetic and permutation against plonky2, on whatever
//! adapter wgpu finds (lavapipe in CI). With CI=true a missing adapter fails
//! these tests; elsewhere they say so and pass. Hashing and trees on every
//! backend: tests/backends.rs.

mod common;

use common::backends::{gpu, in_ci, ARITHS};

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::poseidon::Poseidon;
use zkpor::backend::gpu::Arith;
use zkpor::backend::{GpuBackend, GpuError, GpuOptions};
use zkpor::datagen::Rng;
use zkpor::field::{F, P};

fn edge_values() -> Vec<u64> {
    vec![
        0,
        1,
        2,
        P - 1,
        P - 2,
        1 << 32,
        (1 << 32) - 1,
        (1 << 32) + 1,
        1 << 63,
        (1 << 63) - 1,
        0xffff_ffff_0000_0000,
        0x0000_ffff_ffff_0000,
        0xffff_0000_ffff_0000,
        0x8000_0000_8000_0000,
        0x0001_0001_0001_0001,
        0xfffe_fffe_fffe_fffe,
    ]
}

fn random_canonical(rng: &mut Rng) -> u64 {
    rng.next_u64() % P
}

#[test]
fn field_arithmetic_matches_plonky2() {
    let mut rng = Rng::new(1);
    let edges = edge_values();
    let mut pairs: Vec<(u64, u64)> = edges
        .iter()
        .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
        .collect();
    pairs.extend((0..4096).map(|_| (random_canonical(&mut rng), random_canonical(&mut rng))));
    for arith in ARITHS {
        let Some(gpu) = gpu(arith, false) else {
            continue;
        };
        let got = gpu.field_ops(&pairs).expect("field ops");
        for (&(a, b), r) in pairs.iter().zip(&got) {
            let (fa, fb) = (F::from_canonical_u64(a), F::from_canonical_u64(b));
            let want = [fa + fb, fa - fb, fa * fb].map(|x| x.to_canonical_u64());
            assert_eq!(*r, want, "{arith:?}: a={a:#x} b={b:#x} (add, sub, mul)");
        }
    }
}

#[test]
fn permutation_matches_plonky2() {
    let mut rng = Rng::new(2);
    let mut states: Vec<[u64; 12]> = edge_values().iter().map(|&v| [v; 12]).collect();
    states.extend((0..300).map(|_| std::array::from_fn(|_| random_canonical(&mut rng))));
    for arith in ARITHS {
        let Some(gpu) = gpu(arith, false) else {
            continue;
        };
        let (got, _) = gpu.permute(&states).expect("permute");
        for (s, g) in states.iter().zip(&got) {
            let want = F::poseidon(s.map(F::from_canonical_u64)).map(|x| x.to_canonical_u64());
            assert_eq!(*g, want, "{arith:?}: state {s:x?}");
        }
    }
}

#[test]
fn a_missing_adapter_is_reported_not_skipped_in_ci() {
    // On a machine with an adapter this checks the error path of the u64
    // request instead: asking for what the adapter lacks is an error, never a
    // silent fallback.
    let any = GpuBackend::open(GpuOptions::default());
    match any {
        Ok(gpu) if !gpu.adapter().shader_int64 => {
            let opts = GpuOptions {
                arith: Some(Arith::U64),
                ..GpuOptions::default()
            };
            assert!(GpuBackend::open(opts).is_err());
        }
        Ok(gpu) => assert!(!gpu.adapter().name.is_empty()),
        Err(e) => {
            assert!(!in_ci(), "CI=true and no GPU adapter: {e}");
            // Outside CI the missing adapter is reported as such, with the way to get one.
            assert!(matches!(e, GpuError::NoAdapter { .. }), "{e}");
            assert!(e.to_string().contains("mesa-vulkan-drivers"), "{e}");
        }
    }
}
