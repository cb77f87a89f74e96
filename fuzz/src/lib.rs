//! brainclip's file readers, compiled from the main crate's own source files so that the fuzz
//! targets exercise exactly that code without building the rest of brainclip (burn, rhai) under
//! the fuzzer's instrumentation. Both modules depend only on themselves and third-party crates.

#![allow(dead_code)]

#[path = "../../src/data/nifti/mod.rs"]
pub mod nifti;

#[path = "../../src/data/formats/mod.rs"]
pub mod formats;

/// Write `data` to a scratch file with extension `ext` (one per process, in memory where the
/// system has /dev/shm) and hand its path to `read`: the readers that take paths are fuzzed as
/// brainclip calls them.
pub fn with_file(data: &[u8], ext: &str, read: impl FnOnce(&std::path::Path)) {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("brainclip-fuzz-{}.{ext}", std::process::id()));
    if std::fs::write(&path, data).is_ok() {
        read(&path);
    }
}

#[path = "../../src/suggest.rs"]
pub mod suggest;

/// The BData HDF5 reader with the two modules of `data` it needs, as the main crate lays them out.
pub mod data;
