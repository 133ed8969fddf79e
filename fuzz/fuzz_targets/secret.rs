#![no_main]
//! Runs zkpor::fuzzing::secret; see docs/FUZZING.md.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zkpor::fuzzing::secret(data));
