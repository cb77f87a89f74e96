//! Script functions of the plotting area.

mod plot_bars;
mod plot_confusion;
mod plot_embeddings;
mod plot_history;
mod plot_images;
mod plot_similarity;
mod plot_topk;
mod save_figure;

use crate::script::prelude::*;

/// Register the plotting functions.
pub fn register(reg: &mut Registry) {
    plot_history::register(reg);
    plot_similarity::register(reg);
    plot_topk::register(reg);
    plot_bars::register(reg);
    plot_confusion::register(reg);
    plot_embeddings::register(reg);
    plot_images::register(reg);
    save_figure::register(reg);
}
