//! Readers (and the few writers brainclip needs) for the plain file formats labs hold: NPY/NPZ,
//! CSV/TSV, JSON/JSONL captions, PNG/JPEG images and safetensors. NIfTI and BData HDF5 have their
//! own modules. Every error names the file, what was expected and what was found.

pub mod budget;
pub mod captions;
mod error;
pub(crate) use error::read_bytes;
pub mod images;
pub mod npy;
pub mod table;
pub mod tensors;

pub use error::FormatError;
