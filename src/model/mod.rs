//! The mapping network (fMRI → CLIP space) in burn, and the closed-form ridge baseline.
//!
//! burn 0.22 dispatches on the device, so this code names no backend type: the same network
//! trains on burn's ndarray or flex CPU backends (and, with the `tch` feature, on libtorch).

mod config;
mod decoder;
mod error;
mod init;
mod mapping;
pub mod ridge;
mod shared;

pub use config::{Architecture, ArchitectureKind, HeadMode, MappingConfig, MappingSettings};
pub use decoder::{Decoded, Decoder};
pub use error::ModelError;
pub use mapping::{MappingNet, Prediction};
pub use ridge::{RidgeConfig, RidgeModel};
pub use shared::{SharedConfig, SharedNet, SubjectInput, SubjectLayers};
