//! Script functions of the model area.

mod mapping_net;
mod ridge;

use super::registry::Registry;

/// Register the model functions.
pub fn register(reg: &mut Registry) {
    mapping_net::register(reg);
    ridge::register(reg);
}
