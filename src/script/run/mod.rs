//! Script functions about the run itself: parameters, metrics, tables, the run directory.

functions! {
    pub(crate) param,
    device,
    save_metrics,
    table,
    save_csv,
    save_json,
    save_npy,
    save_text,
    run_dir,
    sweep,
}
