//! Any bytes, read as a captions file (a JSON object of id → captions, or JSON lines).

#![no_main]

use brainclip_readers::formats::captions::read_captions;
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ext in ["json", "jsonl"] {
        with_file(data, ext, |path| {
            if let Ok(captions) = read_captions(path) {
                let _ = captions.by_image.len();
            }
        });
    }
});
