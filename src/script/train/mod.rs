//! Script functions of the training area.

#[allow(clippy::module_inception)] // files are named after the script function they define
mod train;

mod model_output;
pub(crate) use model_output::ModelOutput;

use super::registry::Registry;

/// Register the training functions.
pub fn register(reg: &mut Registry) {
    train::register(reg);
}
