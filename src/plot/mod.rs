//! Paper-ready figures, each rendered to an in-memory PNG and an SVG of the same drawing: line
//! charts (training curves, metrics), top-k accuracy curves with their chance line, grouped bar
//! charts with error bars, heatmaps with a colour bar (similarity and confusion matrices),
//! 2-D PCA scatters of embeddings (true vs predicted, by category) and image grids (stimulus vs
//! retrieved or generated images, with captions).
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

mod bar_chart;
mod error;
mod figure;
mod font;
mod heatmap;
mod image_grid;
mod line_chart;
mod scatter;
mod style;
mod topk_curve;

pub use bar_chart::{Bar, BarChart, BarRecords, BarSeries, bar_chart};
pub use error::PlotError;
pub use figure::Figure;
pub use heatmap::{Heatmap, heatmap};
pub use image_grid::{ImageGrid, image_grid};
pub use line_chart::{LineChart, Series, line_chart};
pub use scatter::{EmbeddingScatter, embedding_scatter};
pub use topk_curve::{TopKCurve, topk_curve};

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

    /// 50 category names of GOD-like length.
    pub fn category_names() -> Vec<String> {
        let names = "goldfish,owl,iguana,duck,jellyfish,conch,lobster,hermit crab,killer whale,\
                     leopard,ladybug,fly,butterfly,airliner,bathtub,beer mug,bicycle,bookshelf,bow tie,\
                     broom,camera,canoe,cellular telephone,clock,coffee mug,drum,electric guitar,\
                     fire engine,frying pan,golf ball,harmonica,hourglass,iPod,laptop,lawn mower,\
                     mailbox,microwave oven,mountain bike,piano,pool table,rocking chair,saxophone,\
                     screwdriver,snowmobile,tennis racket,umbrella,violin,watch,water bottle,zucchini";
        names.split(',').map(str::to_owned).collect()
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
            heat.row_ticks = category_names();
            heat.col_ticks = category_names();
            heat.annotate = true;
            assert!(super::heatmap(&heat).is_ok());
            let mut bars = super::BarChart::new("Tiny", "x", "y");
            bars.groups = category_names()[..6].to_vec();
            bars.series
                .push(super::BarSeries::new("a", vec![0.5; 6]).with_ci(vec![(0.4, 0.6); 6]));
            bars.series.push(super::BarSeries::new("b", vec![0.3; 6]));
            (bars.width, bars.height) = (w, h);
            assert_eq!(super::bar_chart(&bars).unwrap().width(), w);
            let mut curve = super::TopKCurve::new("Tiny", 10);
            curve
                .curves
                .push(super::Series::new("s", vec![(1.0, 0.2), (10.0, 1.0)]));
            (curve.width, curve.height) = (w, h);
            assert_eq!(super::topk_curve(&curve).unwrap().height(), h);
            let labels: Vec<usize> = (0..20).map(|i| i % 10).collect();
            let truth = Array2::from_shape_fn((20, 4), |(i, d)| ((i * 3 + d * 5) % 7) as f32);
            let mut scatter = super::EmbeddingScatter::new("Tiny", truth.clone(), labels);
            scatter.predicted = Some(truth.mapv(|v| v * 0.5));
            (scatter.width, scatter.height) = (w, h);
            assert_eq!(super::embedding_scatter(&scatter).unwrap().width(), w);
        }
    }
}
