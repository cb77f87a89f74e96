//! Any bytes, opened as a BData HDF5 file: every dataset read as numbers, as a matrix and as
//! strings.
//!
//! The memory budget is set below libFuzzer's 2 GB limit: an HDF5 file may declare a chunked
//! dataset far larger than itself (unwritten chunks read as the fill value), so what bounds the
//! allocation is the budget, as it is in brainclip.

#![no_main]

use brainclip_readers::data::bdata::read_everything;
use brainclip_readers::formats::budget::set_memory_budget;
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    set_memory_budget(512 << 20);
    with_file(data, "h5", read_everything);
});
