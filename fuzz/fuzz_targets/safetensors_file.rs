//! Any bytes, read as a safetensors file: its summary, every tensor as f32, and as matrices.

#![no_main]

use brainclip_readers::formats::tensors::{read_matrices, read_tensors, safetensors_summary};
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    with_file(data, "safetensors", |path| {
        let _ = safetensors_summary(path);
        if let Ok(tensors) = read_tensors(path) {
            let _ = tensors.len();
        }
        let _ = read_matrices(path);
    });
});
