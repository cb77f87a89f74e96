//! Any bytes, opened as a BData HDF5 file: every dataset read as numbers, as a matrix and as
//! strings.

#![no_main]

use brainclip_readers::data::bdata::read_everything;
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    with_file(data, "h5", read_everything);
});
