//! Runs that travel between labs. `brainclip pack RUN_DIR` writes one archive with what
//! reproduces a run — the script, the modules it imported, its parameters, the manifest and the
//! metrics, no data — and `brainclip verify RUN_DIR | BUNDLE` re-runs it with its recorded
//! parameters, seed, device and limits on this lab's copy of the data, and says, file by file and
//! metric by metric, what matches. `brainclip new DIR` starts an experiment folder.
//!
//! A bundle (`NAME.brainclip.tar.gz`) holds:
//!
//! ```text
//! manifest.json  metrics.json  params.json
//! script/<script name>.rhai        the script, under its own name
//! script/<relative path>.rhai      the lab's modules it imported, where the script finds them
//! stdlib/<import path>.rhai        brainclip's modules it imported, as this version ships them
//! ```

mod bundle;
mod new;
mod verify;

use std::path::PathBuf;

use thiserror::Error;

pub use bundle::{BUNDLE_SUFFIX, PackReport, pack};
pub use new::scaffold;
pub use verify::{Check, Outcome, VerifyOptions, VerifyReport, verify};

/// Why a run could not be packed or verified.
#[derive(Debug, Error)]
pub enum ShareError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The folder or archive is not a run brainclip can reproduce.
    #[error("{}: {message}", path.display())]
    NotARun {
        /// The run directory or bundle.
        path: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
    /// The re-run could not start (device, run directory).
    #[error("cannot re-run: {0}")]
    Session(String),
}

fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ShareError {
    let path = path.into();
    move |source| ShareError::Io { path, source }
}

use crate::run::sha256_hex as sha256;
