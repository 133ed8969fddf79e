//! zkpor: zero-knowledge proof of reserves over Goldilocks with plonky2.

pub mod artifacts;
pub mod backend;
pub mod bench;
pub mod circuits;
pub mod commit;
pub mod datagen;
pub mod demo;
pub mod digest;
pub mod error;
pub mod field;
#[doc(hidden)]
pub mod fuzzing;
pub mod inclusion;
pub mod input;
pub mod job;
pub mod leaf;
pub mod model;
pub mod progress;
pub mod prover;
pub mod secret;
pub mod tree;
pub mod verify;
