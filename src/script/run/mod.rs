//! Script functions about the run itself: parameters, metrics, tables, the run directory.

pub(crate) mod param;
mod run_dir;
mod save_metrics;
mod table;

use super::registry::Registry;

/// Register the run functions.
pub fn register(reg: &mut Registry) {
    param::register(reg);
    save_metrics::register(reg);
    table::register(reg);
    run_dir::register(reg);
}
