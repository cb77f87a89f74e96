//! brainclip's fused numeric kernels: loops over plain `f32` slices that replace chains of
//! tensor operations, each one pass over memory.
//!
//! They live in their own crate so that the workspace's development profile compiles them at
//! `opt-level = 3` (vectorised, no bounds checks in the inner loops) while brainclip itself stays
//! at `opt-level = 1` for quick rebuilds: at `opt-level = 1` the AdamW loop below ran scalar and
//! took 18 % of a training step. brainclip's tests check every kernel against the burn tensor
//! operations it replaces.

pub mod adamw;
pub mod scan;
