#![no_main]
//! Runs zkpor::fuzzing::accounts_bin; see docs/FUZZING.md.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zkpor::fuzzing::accounts_bin(data));
