//! Plain-text rendering of metric tables, shared by `table()` and the notebook kernel.

use rhai::Dynamic;

/// A table cell: floats with four decimals (scientific when tiny or huge), `()` empty.
///
/// ```
/// use brainclip::script::format::cell;
/// assert_eq!(cell(&rhai::Dynamic::from(0.25)), "0.2500");
/// assert_eq!(cell(&rhai::Dynamic::UNIT), "");
/// ```
pub fn cell(v: &Dynamic) -> String {
    if let Ok(f) = v.as_float() {
        if f != 0.0 && (f.abs() < 1e-3 || f.abs() >= 1e5) {
            format!("{f:.3e}")
        } else {
            format!("{f:.4}")
        }
    } else if v.is_unit() {
        String::new()
    } else {
        v.to_string()
    }
}

/// An aligned text table: header, a rule, one line per row.
///
/// ```
/// use brainclip::script::format::text_table;
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
