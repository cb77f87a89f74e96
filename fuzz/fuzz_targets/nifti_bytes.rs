//! Any bytes, read as a `.nii` and as a `.nii.gz`: errors are fine, panics and aborts are not.
//! Header-dependent allocations must stay within what the input can back, so libFuzzer's
//! malloc limit also catches a header that talks the reader into a huge allocation.
//!
//! Mutated gzip data rarely survives its checksum, so the input is also compressed and read as
//! `.nii.gz`: that sends arbitrary headers down the decompressing path too.

#![no_main]

use std::io::Write;

use brainclip_readers::nifti::{read_image_bytes, stats};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8], gz: bool) {
    if let Ok(image) = read_image_bytes(bytes, gz) {
        // Touch the result so the whole pipeline runs.
        let _ = stats(&image);
        assert_eq!(image.data.shape(), image.header.shape.as_slice());
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, false);
    check(data, true);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if encoder.write_all(data).is_ok()
        && let Ok(packed) = encoder.finish()
    {
        check(&packed, true);
    }
});
