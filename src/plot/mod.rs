//! Paper-ready figures: line charts (training curves, metrics) and heatmaps (similarity
//! matrices), each rendered to an in-memory PNG and an SVG of the same drawing.
//!
//! Text uses the embedded DejaVu Sans font, so rendering needs no system fonts.
//!
//! ```
//! use brainclip::plot::{LineChart, Series, line_chart};
//!
//! let mut spec = LineChart::new("Training curves", "epoch", "loss");
//! spec.series.push(Series::new("train", vec![(0.0, 2.3), (1.0, 1.1), (2.0, 0.7)]));
//! let fig = line_chart(&spec)?;
//! assert!(fig.png().starts_with(b"\x89PNG"));
//! # Ok::<(), brainclip::plot::PlotError>(())
//! ```

mod error;
mod figure;
mod font;
mod heatmap;
mod line_chart;
mod style;

pub use error::PlotError;
pub use figure::Figure;
pub use heatmap::{Heatmap, heatmap};
pub use line_chart::{LineChart, Series, line_chart};

#[cfg(test)]
pub(crate) mod test_util {
    use image::GenericImageView;
    use ndarray::Array2;
    use std::collections::HashSet;

    /// Decodes a PNG, checks its size and that it is neither blank nor a flood fill;
    /// with `PLOT_DUMP=1` also writes it to /tmp/plotcheck/ for inspection.
    pub fn check_png(fig: &super::Figure, name: &str) {
        if std::env::var_os("PLOT_DUMP").is_some() {
            std::fs::create_dir_all("/tmp/plotcheck").unwrap();
            std::fs::write(format!("/tmp/plotcheck/{name}.png"), fig.png()).unwrap();
            std::fs::write(format!("/tmp/plotcheck/{name}.svg"), fig.svg()).unwrap();
        }
        let img = image::load_from_memory(fig.png()).unwrap();
        assert_eq!(img.dimensions(), (fig.width(), fig.height()));
        let rgb = img.to_rgb8();
        let colours: HashSet<[u8; 3]> = rgb.pixels().map(|p| p.0).collect();
        assert!(colours.len() > 20, "{name}: only {} colours", colours.len());
        let non_white = rgb.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        let frac = non_white as f64 / (fig.width() * fig.height()) as f64;
        assert!((0.02..0.9).contains(&frac), "{name}: non-white fraction {frac}");
        assert!(fig.svg().contains("<svg"));
        assert!(fig.svg().contains(fig.title()));
    }

    #[test]
    fn extreme_sizes_do_not_panic() {
        for (w, h) in [(100, 100), (100, 2000), (3000, 100)] {
            let mut line = super::LineChart::new("Tiny", "x", "y");
            line.series.push(super::Series::new("s", vec![(0.0, 1.0), (1.0, 2.0)]));
            (line.width, line.height) = (w, h);
            let fig = super::line_chart(&line).unwrap();
            assert_eq!((fig.width(), fig.height()), (w, h));
            let mut heat = super::Heatmap::new("Tiny", "x", "y", Array2::from_elem((50, 50), 0.5));
            (heat.width, heat.height) = (w, h);
            let fig = super::heatmap(&heat).unwrap();
            assert_eq!((fig.width(), fig.height()), (w, h));
        }
    }
}
