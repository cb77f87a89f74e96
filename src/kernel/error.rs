//! Errors that stop the kernel from starting or a kernelspec from being installed. Errors while
//! serving (a bad message, a failed send) are logged and never end the kernel.

use std::path::PathBuf;

/// The kernel could not start, or its kernelspec could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    /// The connection file cannot be read.
    #[error("cannot read the connection file {path}: {source}")]
    ConnectionFileRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The connection file is not a Jupyter connection file.
    #[error("{path} is not a Jupyter connection file: {source}")]
    ConnectionFileFormat {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The connection file asks for something this kernel cannot do.
    #[error("unsupported connection settings: {0}")]
    Unsupported(String),
    /// A socket could not be bound.
    #[error("cannot open the {channel} socket: {source}")]
    Bind {
        /// `shell`, `iopub`, `control`, `stdin` or `heartbeat`.
        channel: &'static str,
        /// Why.
        #[source]
        source: runtimelib::RuntimeError,
    },
    /// The async runtime could not start.
    #[error("cannot start the kernel's I/O runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A kernelspec file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Jupyter data folder could not be determined.
    #[error("cannot find the Jupyter data folder: {0}")]
    DataDir(String),
    /// A logo could not be drawn.
    #[error("cannot encode the kernel logo: {0}")]
    Logo(#[from] image::ImageError),
}
