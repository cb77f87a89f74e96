//! Script functions of the plotting area.

functions! {
    plot_history,
    plot_similarity,
    plot_topk,
    plot_bars,
    plot_confusion,
    plot_embeddings,
    plot_images,
    save_figure,
}
