//! Checking a published round from its files alone: `zkpor verify`
//! (`round.rs`: summary.json, the root proof and its verifier data, against
//! circuits rebuilt from the parameters) and `zkpor verifier-data`
//! (`expected.rs`: the same rebuild, for auditors). Below the job, which
//! checks what it publishes with the same code.

pub mod expected;
pub mod round;
