//! How values show in notebooks and terminals: a [`MimeBundle`] of `text/plain` and, where the
//! value has one, `text/html`, `image/png` and `image/svg+xml`. `Session::display` makes one from
//! any script value; the Jupyter kernel sends it, evcxr prints it, the CLI prints its text. The one
//! HTML escaper and the table renderers live here.

use crate::eval::EvaluationReport;
use crate::plot::Figure;

/// One value's representations, richest first when shown.
///
/// ```
/// use brainclip::display::MimeBundle;
/// let b = MimeBundle::html("<b>x</b>", "x");
/// assert_eq!(b.text, "x");
/// assert!(!b.is_image());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MimeBundle {
    /// `text/plain`: always present.
    pub text: String,
    /// `text/html`.
    pub html: Option<String>,
    /// `image/png` bytes.
    pub png: Option<Vec<u8>>,
    /// `image/svg+xml`.
    pub svg: Option<String>,
}

impl MimeBundle {
    /// Plain text only.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// HTML with a plain-text fallback.
    pub fn html(html: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            html: Some(html.into()),
            ..Self::default()
        }
    }

    /// A picture: PNG, optionally SVG, and a short description.
    pub fn image(png: Vec<u8>, svg: Option<String>, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            png: Some(png),
            svg,
            ..Self::default()
        }
    }

    /// Preformatted text shown as `<pre>` in HTML (keeps tables aligned in notebooks).
    pub fn preformatted(text: impl Into<String>) -> Self {
        let text = text.into();
        Self::html(format!("<pre>{}</pre>", escape_html(&text)), text)
    }

    /// Whether it is a picture (notebooks show pictures as `display_data`).
    pub fn is_image(&self) -> bool {
        self.png.is_some()
    }

    /// `(mime type, content)` pairs, richest first; images base64-encoded.
    ///
    /// ```
    /// use brainclip::display::MimeBundle;
    /// let b = MimeBundle::image(vec![0x89, b'P', b'N', b'G'], Some("<svg/>".into()), "<Figure>");
    /// let entries = b.entries();
    /// assert_eq!(entries[0], ("image/png", "iVBORw==".to_string()));
    /// assert_eq!(entries.last().unwrap(), &("text/plain", "<Figure>".to_string()));
    /// ```
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(4);
        if let Some(png) = &self.png {
            out.push(("image/png", data_encoding::BASE64.encode(png)));
        }
        if let Some(svg) = &self.svg {
            out.push(("image/svg+xml", svg.clone()));
        }
        if let Some(html) = &self.html {
            out.push(("text/html", html.clone()));
        }
        out.push(("text/plain", self.text.clone()));
        out
    }

    /// The evcxr display blocks of the richest representation (evcxr shows the first it knows).
    ///
    /// ```
    /// let block = brainclip::display::MimeBundle::text("hello").evcxr();
    /// assert_eq!(block, "EVCXR_BEGIN_CONTENT text/plain\nhello\nEVCXR_END_CONTENT");
    /// ```
    pub fn evcxr(&self) -> String {
        let (mime, body) = self
            .entries()
            .into_iter()
            .next()
            .unwrap_or(("text/plain", String::new()));
        format!("EVCXR_BEGIN_CONTENT {mime}\n{body}\nEVCXR_END_CONTENT")
    }
}

impl From<&Figure> for MimeBundle {
    fn from(figure: &Figure) -> Self {
        MimeBundle::image(
            figure.png().to_vec(),
            Some(figure.svg().to_string()),
            figure.to_string(),
        )
    }
}

impl From<&EvaluationReport> for MimeBundle {
    fn from(report: &EvaluationReport) -> Self {
        MimeBundle::preformatted(report.to_table())
    }
}

impl From<&image::RgbImage> for MimeBundle {
    fn from(image: &image::RgbImage) -> Self {
        MimeBundle::image(
            crate::data::formats::images::png_bytes(image),
            None,
            format!("Image {}×{}", image.width(), image.height()),
        )
    }
}

/// Escape text for HTML element content and attribute values.
///
/// ```
/// use brainclip::display::escape_html;
/// assert_eq!(escape_html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML table with a header row; cells are escaped. Numeric-looking cells are right-aligned.
///
/// ```
/// use brainclip::display::html_table;
/// let html = html_table(&["model".into(), "top1".into()], &[vec!["ridge".into(), "0.2000".into()]]);
/// assert!(html.starts_with("<table"));
/// assert!(html.contains("<th>model</th>") && html.contains("0.2000</td>"));
/// ```
pub fn html_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table class=\"brainclip-table\">\n<thead><tr>");
    for name in header {
        html.push_str(&format!("<th>{}</th>", escape_html(name)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let align = if cell.parse::<f64>().is_ok() {
                " style=\"text-align: right\""
            } else {
                ""
            };
            html.push_str(&format!("<td{align}>{}</td>", escape_html(cell)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>");
    html
}

/// An aligned text table: header, a rule, one line per row.
///
/// ```
/// use brainclip::display::text_table;
/// let text = text_table(&["model".into(), "top1".into()], &[vec!["ridge".into(), "0.2".into()]]);
/// assert_eq!(text, "model  top1\n-----  ----\nridge  0.2");
/// ```
pub fn text_table(header: &[String], rows: &[Vec<String>]) -> String {
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .chain(header.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(header),
        widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "),
    ];
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

/// A number as a table cell: four decimals, scientific when tiny or huge.
///
/// ```
/// assert_eq!(brainclip::display::number_cell(0.25), "0.2500");
/// assert_eq!(brainclip::display::number_cell(2e-5), "2.000e-5");
/// ```
pub fn number_cell(f: f64) -> String {
    if f != 0.0 && (f.abs() < 1e-3 || f.abs() >= 1e5) {
        format!("{f:.3e}")
    } else {
        format!("{f:.4}")
    }
}
