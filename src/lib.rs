//! zkpor: zero-knowledge proof of reserves over Goldilocks with plonky2.

pub mod backend;
pub mod digest;
pub mod field;
pub mod input;
pub mod leaf;
pub mod model;
pub mod tree;
pub mod artifacts;
pub mod commit;
pub mod datagen;
pub mod error;
pub mod inclusion;
pub mod progress;
pub mod secret;
