//! Script functions about the run itself: parameters, metrics, tables, the run directory.

mod device;
pub(crate) mod param;
mod run_dir;
mod save_csv;
mod save_json;
mod save_metrics;
mod save_npy;
mod save_text;
mod sweep;
mod table;

use crate::script::prelude::*;

/// Register the run functions.
pub fn register(reg: &mut Registry) {
    param::register(reg);
    device::register(reg);
    save_metrics::register(reg);
    table::register(reg);
    save_csv::register(reg);
    save_json::register(reg);
    save_npy::register(reg);
    save_text::register(reg);
    run_dir::register(reg);
    sweep::register(reg);
}
