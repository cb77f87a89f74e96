//! brainclip's file readers, compiled from the main crate's own source files so that the fuzz
//! targets exercise exactly that code without building the rest of brainclip (burn, rhai) under
//! the fuzzer's instrumentation. Both modules depend only on themselves and third-party crates.

#![allow(dead_code)]

#[path = "../../src/data/nifti/mod.rs"]
pub mod nifti;

#[path = "../../src/data/formats/mod.rs"]
pub mod formats;
