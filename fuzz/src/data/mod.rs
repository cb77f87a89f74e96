//! The parts of brainclip's `data` module the BData reader needs, at the paths it uses.

pub use super::formats;

#[path = "../../../src/data/error.rs"]
mod error;
pub use error::DataError;

pub mod bdata;
