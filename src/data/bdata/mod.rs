//! BData: the HDF5 format of Kamitani lab's bdpy / BrainDecoderToolbox2, in which the Generic
//! Object Decoding (GOD) fMRI data is published, and the GOD loader built on it.
//!
//! - [`BData`] reads a file (pure Rust, no HDF5 C library): the samples × columns `/dataset`, its
//!   metadata keys (`VoxelData`, `ROI_V1`, `DataType`, `Label`, `voxel_x`…) and value-label maps.
//! - [`BData::select`] understands bdpy's column selection expressions:
//!   - a key selects the columns whose metadata value is exactly 1, and `*` in a key is a
//!     wildcard matched against whole keys (`ROI_V*`);
//!   - `A | B` and `A + B` are unions, `A & B` an intersection, `A - B` a difference, all of the
//!     same precedence and grouped left to right (`A - B | C` is `(A - B) | C`);
//!   - `A = 1` keeps and `A = 0` inverts a selection (binding tighter); parentheses group; quotes
//!     (`"odd key"`) keep spaces and operator characters inside a key;
//!   - columns come back in ascending order whatever the order of the terms, as bdpy's boolean
//!     mask gives them;
//!   - stricter than bdpy: whitespace separates tokens (bdpy deletes it), nested parentheses
//!     group as written (bdpy's parser mis-groups `A - ((B | C) | D)`), and bdpy's unfinished
//!     `@`/`top` selection is refused.
//! - [`load_god`] turns a GOD subject file into a training and a test [`crate::data::Dataset`].
//!
//! ```
//! use brainclip::data::bdata::{BData, GodOptions, load_god};
//! # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/god_tiny.h5");
//! let subject = BData::open(&path)?;
//! assert_eq!(subject.select("ROI_V1 + ROI_V2")?.len(), 15);
//! let god = load_god(&path, &GodOptions { roi: "ROI_LVC".into(), ..GodOptions::default() })?;
//! assert_eq!(god.train.n_voxels(), 21);
//! # Ok::<(), brainclip::data::bdata::BDataError>(())
//! ```

#[allow(clippy::module_inception)]
mod bdata;
mod error;
mod god;
pub(crate) mod hdf5;
mod select;
#[cfg(test)]
mod test_support;
mod vmap;

pub use bdata::{BData, BDataSummary, KeySummary};
pub use error::BDataError;
pub use god::{GodData, GodOptions, label_to_image_id, load_god, load_god_from};
pub use vmap::Vmap;
