#![no_main]
//! Runs zkpor::fuzzing::okx_json; see docs/FUZZING.md.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zkpor::fuzzing::okx_json(data));
