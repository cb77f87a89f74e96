//! Turning [`DisplayValue`]s into Jupyter MIME bundles, and small HTML helpers backends use to
//! build them.

use data_encoding::BASE64;
use jupyter_protocol::{Media, MediaType};

use super::backend::DisplayValue;

/// The MIME bundle of a value: `text/plain` always, plus `text/html`, or `image/png` (base64)
/// and `image/svg+xml`.
pub fn media(value: &DisplayValue) -> Media {
    let mut bundle = Vec::with_capacity(3);
    match value {
        DisplayValue::Text(_) => {}
        DisplayValue::Html { html, .. } => bundle.push(MediaType::Html(html.clone())),
        DisplayValue::Image { png, svg, .. } => {
            bundle.push(MediaType::Png(BASE64.encode(png)));
            if let Some(svg) = svg {
                bundle.push(MediaType::Svg(svg.clone()));
            }
        }
    }
    bundle.push(MediaType::Plain(value.text().to_string()));
    Media::new(bundle)
}

/// Escape text for HTML element content and attribute values.
///
/// ```
/// use brainclip::kernel::display::escape_html;
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
/// use brainclip::kernel::display::html_table;
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

/// An aligned text table (the same rendering as the `table()` script function).
pub use crate::script::format::text_table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_bundle_has_png_svg_and_text() {
        let value = DisplayValue::Image {
            png: vec![0x89, b'P', b'N', b'G'],
            svg: Some("<svg/>".into()),
            text: "<Figure>".into(),
        };
        let json = serde_json::to_value(media(&value)).unwrap();
        assert_eq!(json["image/png"], "iVBORw==");
        assert_eq!(json["image/svg+xml"], "<svg/>");
        assert_eq!(json["text/plain"], "<Figure>");
    }

    #[test]
    fn html_bundle_keeps_text_fallback() {
        let value = DisplayValue::Html {
            html: "<b>x</b>".into(),
            text: "x".into(),
        };
        let json = serde_json::to_value(media(&value)).unwrap();
        assert_eq!(json["text/html"], "<b>x</b>");
        assert_eq!(json["text/plain"], "x");
    }
}
