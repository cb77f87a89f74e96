//! brainclip: BrainCLIP-style brain decoding, scriptable.
//!
//! fMRI patterns are mapped into CLIP's joint image–text space by a small network trained with
//! contrastive losses against CLIP image and text embeddings; the aligned embedding then serves
//! zero-shot category decoding and retrieval. Experiments are Rhai scripts run by a [`Session`];
//! the domain modules below are plain Rust and usable directly.
//!
//! Layers (imports point down): `main`/kernel → [`session`] → `script` (Rhai bindings only) →
//! [`data`], [`model`], [`train`], [`eval`], [`plot`] (plain Rust) → burn, ndarray, plotters.

#![warn(missing_docs)]

pub mod assess;
pub mod assets;
pub mod clip;
pub mod data;
pub mod device;
pub mod display;
mod error_kind;
pub mod eval;
pub mod evcxr;
pub mod generate;
pub mod inspect;
pub mod kernel;
mod linalg;
pub mod model;
pub mod plot;
pub mod run;
pub mod script;
pub mod session;
pub mod share;
pub mod suggest;
pub mod sweep;
pub mod tensors;
pub mod train;
pub mod weights;

/// The ndarray version brainclip's public API uses (embeddings, similarity matrices), so callers
/// can name its types without a version mismatch, e.g. in an evcxr cell:
/// `let images: brainclip::ndarray::Array2<f32> = dataset.image_embeddings().unwrap().clone();`
pub use error_kind::{Classified, ErrorKind, Hint, Remedy};
pub use ndarray;
pub use session::{ScriptError, Session, SessionOptions};
