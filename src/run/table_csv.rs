//! Tables as CSV text.

/// CSV text of a table: the header, then one record per row (fields quoted where needed).
///
/// ```
/// let header = vec!["model".to_string(), "top1".to_string()];
/// let rows = vec![vec!["ridge".to_string(), "0.2".to_string()], vec!["net, wide".to_string(), String::new()]];
/// let bytes = brainclip::run::csv_bytes(&header, &rows).unwrap();
/// assert_eq!(String::from_utf8(bytes).unwrap(), "model,top1\nridge,0.2\n\"net, wide\",\n");
/// ```
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row)?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
