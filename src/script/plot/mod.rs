//! Script functions of the plotting area.

mod plot_history;
mod plot_similarity;
mod save_figure;

use super::registry::Registry;

/// Register the plotting functions.
pub fn register(reg: &mut Registry) {
    plot_history::register(reg);
    plot_similarity::register(reg);
    save_figure::register(reg);
}
