//! Paths to the committed fixtures and scratch files for the module's tests.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A file in `tests/data/`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// A file in the temp folder that is deleted when dropped.
pub(crate) struct TempFile(pub PathBuf);

impl TempFile {
    /// Write `bytes` to a fresh temp file named after `name`.
    pub fn with_bytes(name: &str, bytes: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("brainclip-bdata-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// bdpy's `examples/data/sample_vmap.h5`, unpacked from the committed `.gz` (see tests/data/README.md).
pub(crate) fn sample_vmap() -> TempFile {
    let gz = std::fs::read(fixture("sample_vmap.h5.gz")).unwrap();
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut bytes).unwrap();
    TempFile::with_bytes("sample_vmap.h5", &bytes)
}

/// The untouched original of `sample_vmap.h5` in the project's `shared/fixtures`, when this
/// checkout has one beside it (the main repository and CI do; a bare clone does not).
pub(crate) fn shared_sample_vmap() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .take(4)
        .map(|dir| dir.join("shared/fixtures/bdata/sample_vmap.h5"))
        .find(|p| p.is_file())
}
