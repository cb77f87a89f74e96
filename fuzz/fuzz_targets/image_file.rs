//! Any bytes, read as a PNG and as a JPEG file (decoded to RGB) and summarised.

#![no_main]

use brainclip_readers::formats::images::{image_summary, read_rgb};
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ext in ["png", "jpg"] {
        with_file(data, ext, |path| {
            if let Ok(rgb) = read_rgb(path) {
                let _ = rgb.dimensions();
            }
            let _ = image_summary(path);
        });
    }
});
