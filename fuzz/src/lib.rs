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
pub mod data {
    pub use super::formats;

    #[path = "../../../src/data/error.rs"]
    mod error;
    pub use error::DataError;

    pub mod bdata {
        #[path = "../../../../src/data/bdata/error.rs"]
        mod error;
        pub use error::BDataError;

        #[path = "../../../../src/data/bdata/hdf5.rs"]
        mod hdf5;

        /// Open `path` as HDF5 and read every dataset under the root and its groups (two levels),
        /// as numbers and as strings: what `load_bdata` and `load_god` do with a file.
        pub fn read_everything(path: &std::path::Path) {
            let Ok(file) = hdf5::H5File::open(path) else {
                return;
            };
            let mut groups = vec![String::from("/")];
            for depth in 0..3 {
                let mut next = Vec::new();
                for group in &groups {
                    let Ok(Some(members)) = file.members(group) else {
                        continue;
                    };
                    for dataset in &members.datasets {
                        let object = format!("{}/{dataset}", group.trim_end_matches('/'));
                        let _ = file.read_numeric(&object);
                        let _ = file.read_matrix(&object);
                        let _ = file.read_strings(&object);
                    }
                    if depth < 2 {
                        next.extend(members.groups.iter().map(|g| format!("{}/{g}", group.trim_end_matches('/'))));
                    }
                }
                groups = next;
            }
        }
    }
}
