//! The display seam: any value a script or cell produced, as a MIME bundle. The CLI, the Jupyter
//! kernel and evcxr all show values through [`Session::display`].

use rhai::Dynamic;

use super::Session;
use crate::display::MimeBundle;
use crate::script::format::value_bundle;
use crate::script::values::{EvaluationValue, FigureValue, ImageValue};

impl Session {
    /// How `value` shows: figures as PNG + SVG, images as PNG, evaluation reports as a table,
    /// maps and arrays of maps as HTML tables, other brainclip values (models, datasets, masks...)
    /// as `print` shows them; `()` shows nothing.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let opts = brainclip::SessionOptions { out_dir: Some(dir.path().join("run")), ..Default::default() };
    /// let mut session = brainclip::Session::new(opts).unwrap();
    /// let value = session.eval("#{ top1: 0.25 }").unwrap();
    /// let shown = session.display(&value).unwrap();
    /// assert!(shown.html.unwrap().contains("<td>top1</td>"));
    /// let figure = session
    ///     .eval("let god = god_synthetic(#{ voxels: 70, dim: 16 }); plot_similarity(ridge(god.train, #{ folds: 3 }), god.test)")
    ///     .unwrap();
    /// assert!(session.display(&figure).unwrap().is_image());
    /// assert_eq!(session.display(&rhai::Dynamic::UNIT), None);
    /// ```
    pub fn display(&self, value: &Dynamic) -> Option<MimeBundle> {
        if let Some(fig) = value.read_lock::<FigureValue>() {
            return Some(MimeBundle::from(&*fig.0));
        }
        if let Some(img) = value.read_lock::<ImageValue>() {
            let mut bundle = MimeBundle::from(&*img.image);
            bundle.text = format!("{} ({})", bundle.text, img.path);
            return Some(bundle);
        }
        if let Some(report) = value.read_lock::<EvaluationValue>() {
            let text = format!(
                "{} on {}\n{}",
                report.model,
                report.report.split,
                report.report.to_table()
            );
            return Some(MimeBundle::preformatted(text));
        }
        if value.is_variant() {
            return Some(MimeBundle::text(self.describe(value)));
        }
        value_bundle(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn images_display_as_png() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::new(crate::SessionOptions {
            out_dir: Some(dir.path().join("run")),
            ..Default::default()
        })
        .unwrap();
        let img = ImageValue {
            image: Arc::new(image::RgbImage::from_pixel(3, 2, image::Rgb([10, 200, 30]))),
            path: "generated/cat.png".into(),
        };
        let shown = session.display(&Dynamic::from(img)).unwrap();
        assert_eq!(shown.text, "Image 3×2 (generated/cat.png)");
        assert!(shown.svg.is_none());
        let back = image::load_from_memory(&shown.png.unwrap()).unwrap().to_rgb8();
        assert_eq!(back.get_pixel(2, 1).0, [10, 200, 30]);
    }
}
