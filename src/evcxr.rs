//! Inline display in evcxr notebooks (the Rust Jupyter kernel): evcxr calls a value's
//! `evcxr_display()` method, which prints `EVCXR_BEGIN_CONTENT <mime>`, the content and
//! `EVCXR_END_CONTENT` on stdout. Figures show as PNG, evaluation reports as an HTML table,
//! datasets as text.
//!
//! ```
//! let block = brainclip::evcxr::content("text/plain", "hello");
//! assert_eq!(block, "EVCXR_BEGIN_CONTENT text/plain\nhello\nEVCXR_END_CONTENT");
//! ```

use crate::data::Dataset;
use crate::eval::EvaluationReport;
use crate::plot::Figure;

/// One evcxr display block.
pub fn content(mime: &str, body: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT {mime}\n{body}\nEVCXR_END_CONTENT")
}

/// The evcxr display block of a figure: its PNG, base64-encoded.
///
/// ```
/// use brainclip::plot::{LineChart, Series, line_chart};
/// let mut spec = LineChart::new("loss", "epoch", "loss");
/// spec.series.push(Series::new("train", vec![(0.0, 1.0), (1.0, 0.5)]));
/// let block = brainclip::evcxr::figure_content(&line_chart(&spec).unwrap());
/// assert!(block.starts_with("EVCXR_BEGIN_CONTENT image/png\niVBORw0KGgo"));
/// ```
pub fn figure_content(figure: &Figure) -> String {
    content("image/png", &data_encoding::BASE64.encode(figure.png()))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Figure {
    /// Show the figure inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("{}", figure_content(self));
    }
}

impl EvaluationReport {
    /// Show the report's table inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "{}",
            content("text/html", &format!("<pre>{}</pre>", escape_html(&self.to_table())))
        );
    }
}

impl Dataset {
    /// Show the dataset's summary inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!("{}", content("text/plain", &self.to_string()));
    }
}
