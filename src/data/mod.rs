//! Data: the in-memory dataset type, the embedded GOD catalog, the readers of NSD's files and the
//! built-in synthetic GOD-like dataset. Nothing here knows about scripts; `crate::script::data` exposes it to Rhai.

pub mod bdata;
mod dataset;
pub mod embeddings;
mod error;
pub mod factorize;
pub mod formats;
pub mod god_catalog;
pub mod nifti;
pub mod nsd;
pub mod ops;
pub mod synthetic;
pub mod world;

pub use dataset::{Category, CategorySubset, Dataset, Split};
pub use error::DataError;
pub use factorize::factorize;
pub use synthetic::{GroundTruth, SyntheticConfig, SyntheticGod};
