//! Script functions of the model area.

mod load_model;
mod mapping_net;
mod ridge;
mod save_model;
mod shared_net;
mod subject_model;

use crate::script::prelude::*;

/// Register the model functions.
pub fn register(reg: &mut Registry) {
    mapping_net::register(reg);
    shared_net::register(reg);
    subject_model::register(reg);
    ridge::register(reg);
    save_model::register(reg);
    load_model::register(reg);
}
