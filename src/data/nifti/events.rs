//! BIDS `*_events.tsv` files: onset, duration and a label column per event.
//!
//! The rules, from the BIDS specification: tab-separated, a header row, `onset` and `duration`
//! columns in seconds, `n/a` for a missing value. Here `onset` must be a finite number (an event
//! without an onset cannot be placed); `duration` may be `n/a` (kept as NaN, which
//! [`trial_samples`](super::trial_samples) accepts only when a window is given); the label is
//! kept as written, `n/a` included, so that filtering is the caller's visible choice. Values are
//! not CSV-quoted in BIDS, so quotes are kept as ordinary characters.

use std::path::Path;

use super::error::NiftiError;

/// The events of one run, one entry per row of the file, in file order.
///
/// ```
/// use brainclip::data::nifti::Events;
/// let ev = Events { onset: vec![0.0, 6.0], duration: vec![3.0, 3.0], label: vec!["face".into(), "house".into()] };
/// assert_eq!(ev.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Events {
    /// Onsets in seconds from the first volume.
    pub onset: Vec<f64>,
    /// Durations in seconds (NaN where the file says `n/a`).
    pub duration: Vec<f64>,
    /// The label column's values.
    pub label: Vec<String>,
}

impl Events {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.onset.len()
    }

    /// Whether there is no event.
    pub fn is_empty(&self) -> bool {
        self.onset.is_empty()
    }
}

/// Reads a BIDS events file, taking labels from `label_column` (e.g. `trial_type` or
/// `stimulus_id`). Errors name the line and column of a bad cell, or list the columns present
/// when one is missing.
///
/// ```
/// let dir = std::env::temp_dir().join("brainclip_events_doc");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("events.tsv");
/// std::fs::write(&path, "onset\tduration\ttrial_type\n0\t3\tface\n6.5\tn/a\thouse\n").unwrap();
/// let ev = brainclip::data::nifti::read_events(&path, "trial_type")?;
/// assert_eq!(ev.onset, vec![0.0, 6.5]);
/// assert!(ev.duration[1].is_nan());
/// assert_eq!(ev.label, vec!["face", "house"]);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn read_events(path: &Path, label_column: &str) -> Result<Events, NiftiError> {
    let source_name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| NiftiError::Io {
        source_name: source_name.clone(),
        error,
    })?;
    parse_events(&bytes, label_column, &source_name)
}

/// [`read_events`] on bytes in memory.
pub(crate) fn parse_events(bytes: &[u8], label_column: &str, source_name: &str) -> Result<Events, NiftiError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .quoting(false)
        .flexible(false)
        .from_reader(bytes);
    let format_error = |e: csv::Error| {
        let line = e.position().map_or(1, csv::Position::line);
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("a row of {len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "text that is not UTF-8".to_owned(),
            _ => e.to_string(),
        };
        NiftiError::EventsFormat {
            source_name: source_name.to_owned(),
            line,
            detail,
        }
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(format_error)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(NiftiError::EventsFormat {
            source_name: source_name.to_owned(),
            line: 1,
            detail: "an empty file or header row".to_owned(),
        });
    }
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| NiftiError::EventsMissingColumn {
                source_name: source_name.to_owned(),
                column: name.to_owned(),
                present: headers.clone(),
            })
    };
    let (onset_col, duration_col, label_col) = (column("onset")?, column("duration")?, column(label_column)?);

    let mut events = Events::default();
    for record in reader.records() {
        let record = record.map_err(format_error)?;
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        let bad = |column: &str, expected: &'static str, found: &str| NiftiError::EventsValue {
            source_name: source_name.to_owned(),
            line,
            column: column.to_owned(),
            expected,
            found: found.to_owned(),
        };
        let onset = cell(onset_col);
        let onset_value = onset
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad("onset", "a finite number of seconds (BIDS allows no n/a onset)", onset))?;
        let duration = cell(duration_col);
        let duration_value = if duration == "n/a" {
            f64::NAN
        } else {
            duration
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad("duration", "a number of seconds ≥ 0, or n/a", duration))?
        };
        events.onset.push(onset_value);
        events.duration.push(duration_value);
        events.label.push(cell(label_col).to_owned());
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_bom_and_extra_columns() {
        let text = "\u{feff}onset\tduration\tstimulus_id\tresponse_time\r\n1.5\t2\tn01\t0.4\r\n3\t0\tn/a\tn/a\r\n";
        let ev = parse_events(text.as_bytes(), "stimulus_id", "e.tsv").unwrap();
        assert_eq!(ev.onset, vec![1.5, 3.0]);
        assert_eq!(ev.duration, vec![2.0, 0.0]);
        assert_eq!(ev.label, vec!["n01", "n/a"]);
    }

    #[test]
    fn missing_column_lists_present() {
        let e = parse_events(b"onset\tduration\ttrial_type\n1\t1\ta\n", "stimulus_id", "e.tsv").unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, NiftiError::EventsMissingColumn { .. }));
        assert!(
            msg.contains("stimulus_id") && msg.contains("trial_type") && msg.contains("e.tsv"),
            "{msg}"
        );
    }

    #[test]
    fn non_numeric_onset_names_line() {
        let e = parse_events(
            b"onset\tduration\ttrial_type\n1\t1\ta\nsoon\t1\tb\n",
            "trial_type",
            "e.tsv",
        )
        .unwrap_err();
        match e {
            NiftiError::EventsValue {
                line,
                ref column,
                ref found,
                ..
            } => {
                assert_eq!((line, column.as_str(), found.as_str()), (3, "onset", "soon"));
            }
            other => panic!("{other}"),
        }
        let e = parse_events(b"onset\tduration\ttrial_type\nn/a\t1\ta\n", "trial_type", "e.tsv").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_events(b"onset\tduration\ttrial_type\n1\t-1\ta\n", "trial_type", "e.tsv").unwrap_err();
        assert!(e.to_string().contains("duration"), "{e}");
    }

    #[test]
    fn ragged_rows_and_empty_files() {
        let e = parse_events(b"onset\tduration\ttrial_type\n1\t1\n", "trial_type", "e.tsv").unwrap_err();
        assert!(matches!(e, NiftiError::EventsFormat { line: 2, .. }), "{e}");
        let e = parse_events(b"", "trial_type", "e.tsv").unwrap_err();
        assert!(matches!(e, NiftiError::EventsFormat { .. }), "{e}");
        let ev = parse_events(b"onset\tduration\ttrial_type\n", "trial_type", "e.tsv").unwrap();
        assert!(ev.is_empty());
    }
}
