//! Any bytes, read as a `.npy` array and as an `.npz` archive: errors are fine, panics, aborts and
//! allocations beyond what the input can back are not.

#![no_main]

use std::path::Path;

use brainclip_readers::formats::npy::{read_npy_bytes, read_npz_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(array) = read_npy_bytes(data, Path::new("fuzz.npy")) {
        let _ = array.iter().copied().fold(0.0f32, |a, b| a + b);
    }
    if let Ok(array) = read_npz_bytes(data, Path::new("fuzz.npz"), None) {
        let _ = array.len();
    }
});
