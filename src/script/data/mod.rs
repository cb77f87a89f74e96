//! Script functions of the data area.

mod god_synthetic;

use super::registry::Registry;

/// Register the data functions.
pub fn register(reg: &mut Registry) {
    god_synthetic::register(reg);
}
