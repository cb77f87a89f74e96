//! Script functions of the training area.

#[allow(clippy::module_inception)] // files are named after the script function they define
mod train;

mod fine_tune;

use crate::script::prelude::*;

/// Register the training functions.
pub fn register(reg: &mut Registry) {
    train::register(reg);
    fine_tune::register(reg);
}
