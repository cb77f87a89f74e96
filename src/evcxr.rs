//! Inline display in evcxr notebooks (the Rust Jupyter kernel): evcxr calls a value's
//! `evcxr_display()` method, which prints `EVCXR_BEGIN_CONTENT <mime>`, the content and
//! `EVCXR_END_CONTENT` on stdout. Figures show as PNG, evaluation reports as an HTML table,
//! datasets as text; the bundles are the ones `Session::display` gives the Jupyter kernel.
//!
//! ```
//! use brainclip::plot::{LineChart, Series, line_chart};
//! let mut spec = LineChart::new("loss", "epoch", "loss");
//! spec.series.push(Series::new("train", vec![(0.0, 1.0), (1.0, 0.5)]));
//! let figure = line_chart(&spec).unwrap();
//! let block = brainclip::display::MimeBundle::from(&figure).evcxr();
//! assert!(block.starts_with("EVCXR_BEGIN_CONTENT image/png\niVBORw0KGgo"));
//! ```

use crate::data::Dataset;
use crate::display::MimeBundle;
use crate::eval::EvaluationReport;
use crate::plot::Figure;

impl Figure {
    /// Show the figure inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("{}", MimeBundle::from(self).evcxr());
    }
}

impl EvaluationReport {
    /// Show the report's table inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("{}", MimeBundle::from(self).evcxr());
    }
}

impl Dataset {
    /// Show the dataset's summary inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("{}", MimeBundle::text(self.to_string()).evcxr());
    }
}
