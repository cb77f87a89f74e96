//! Script functions of the model area.

mod load_model;
mod mapping_net;
mod ridge;
mod save_model;

use super::registry::Registry;

/// Register the model functions.
pub fn register(reg: &mut Registry) {
    mapping_net::register(reg);
    ridge::register(reg);
    save_model::register(reg);
    load_model::register(reg);
}
