use std::sync::OnceLock;

use plotters::style::{FontStyle, IntoFont, TextStyle, register_font};

use super::PlotError;

/// Family name the embedded DejaVu Sans is registered under (the name the SVG also uses).
const FAMILY: &str = "sans-serif";
pub(crate) const TITLE_PX: u32 = 24;
pub(crate) const LABEL_PX: u32 = 18;
pub(crate) const TICK_PX: u32 = 14;
pub(crate) const LEGEND_PX: u32 = 15;

/// Registers DejaVu Sans with plotters' `ab_glyph` text engine (once per process).
pub(crate) fn ensure_registered() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Render("cannot load the embedded DejaVu Sans font".into()))
    }
}

pub(crate) fn text(px: u32) -> TextStyle<'static> {
    (FAMILY, px).into_font().into()
}

pub(crate) fn title() -> TextStyle<'static> {
    // `FontDesc::style` keeps the regular glyphs; the tuple form looks the bold face up.
    (FAMILY, TITLE_PX, FontStyle::Bold).into_font().into()
}
