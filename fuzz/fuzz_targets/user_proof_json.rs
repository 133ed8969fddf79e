#![no_main]
//! Runs zkpor::fuzzing::user_proof_json; see docs/FUZZING.md.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zkpor::fuzzing::user_proof_json(data));
