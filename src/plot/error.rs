use plotters::drawing::DrawingAreaErrorKind;

/// Why a figure could not be produced.
///
/// ```
/// use brainclip::plot::{LineChart, PlotError, line_chart};
///
/// let spec = LineChart::new("Nothing", "x", "y");
/// assert!(matches!(line_chart(&spec), Err(PlotError::EmptyData { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    /// There is nothing to draw (no series, an empty matrix).
    #[error("nothing to plot: {what}")]
    EmptyData {
        /// What was being checked.
        what: String,
    },
    /// The requested figure size is outside the supported range.
    #[error("figure size {width}×{height} px is invalid: each side must be {min}..={max} px")]
    InvalidSize {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// Smallest allowed side in pixels.
        min: u32,
        /// Largest allowed side in pixels.
        max: u32,
    },
    /// Data that must be finite is not (or a series has no usable point).
    #[error("non-finite data: {what}")]
    NonFinite {
        /// What was being checked.
        what: String,
    },
    /// An inconsistent specification (bad colour range, tick labels of the wrong length, ...).
    #[error("invalid plot specification: {what}")]
    InvalidInput {
        /// What was being checked.
        what: String,
    },
    /// A record (a row of named values) that does not describe a bar.
    #[error("row {row}: {problem}")]
    Record {
        /// The row's position, from 0.
        row: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The drawing or encoding backend failed.
    #[error("rendering failed: {0}")]
    Render(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Render(e.to_string())
    }
}

impl crate::Classified for PlotError {
    fn kind(&self) -> crate::ErrorKind {
        match self {
            PlotError::Record { .. } => crate::ErrorKind::Data,
            _ => crate::ErrorKind::InvalidValue,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            PlotError::Record { .. } => {
                Some("name the keys each row uses with group, series, value, low and high".into())
            }
            _ => None,
        }
    }
}
