//! Turning [`MimeBundle`]s into Jupyter MIME bundles.

use jupyter_protocol::{Media, MediaType};

use crate::display::MimeBundle;

/// The Jupyter bundle of a value: `text/plain` always, plus whatever else it has.
pub fn media(value: &MimeBundle) -> Media {
    let bundle = value
        .entries()
        .into_iter()
        .map(|(mime, content)| match mime {
            "image/png" => MediaType::Png(content),
            "image/svg+xml" => MediaType::Svg(content),
            "text/html" => MediaType::Html(content),
            _ => MediaType::Plain(content),
        })
        .collect();
    Media::new(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_bundle_has_png_svg_and_text() {
        let value = MimeBundle::image(vec![0x89, b'P', b'N', b'G'], Some("<svg/>".into()), "<Figure>");
        let json = serde_json::to_value(media(&value)).unwrap();
        assert_eq!(json["image/png"], "iVBORw==");
        assert_eq!(json["image/svg+xml"], "<svg/>");
        assert_eq!(json["text/plain"], "<Figure>");
    }

    #[test]
    fn html_bundle_keeps_text_fallback() {
        let json = serde_json::to_value(media(&MimeBundle::html("<b>x</b>", "x"))).unwrap();
        assert_eq!(json["text/html"], "<b>x</b>");
        assert_eq!(json["text/plain"], "x");
    }
}
