//! CSV and TSV tables with a header row (csv crate): columns by name, numeric blocks as matrices.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Serialize;

use super::FormatError;

/// A text table: named columns of strings.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Shape and column names of a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableSummary {
    /// Rows × columns (header excluded).
    pub shape: [usize; 2],
    /// Column names.
    pub columns: Vec<String>,
    /// `"float"` when every column is numeric, else `"mixed"`.
    pub dtype: String,
}

/// The delimiter for a file: tab for `.tsv`/`.tab`, comma otherwise.
pub fn delimiter_for(path: &Path) -> u8 {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("tsv") | Some("tab") => b'\t',
        _ => b',',
    }
}

/// Read a delimited file with a header row; ragged rows are an error naming the line.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("t.tsv");
/// std::fs::write(&path, "id\tx\ty\na\t1\t2\nb\t3\t4\n").unwrap();
/// let t = brainclip::data::formats::table::read_table(&path, None).unwrap();
/// assert_eq!(t.column("id").unwrap(), vec!["a", "b"]);
/// assert_eq!(t.numeric(&["x", "y"]).unwrap(), ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
/// ```
pub fn read_table(path: &Path, delimiter: Option<u8>) -> Result<Table, FormatError> {
    let len = std::fs::metadata(path).map_err(|e| FormatError::io(path, e))?.len();
    super::budget::check_bytes(Some(len), || format!("a table of {len} bytes"))
        .map_err(|e| FormatError::over_budget(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.unwrap_or_else(|| delimiter_for(path)))
        .has_headers(true)
        .flexible(false)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        rows.push(record.iter().map(|f| f.trim().to_string()).collect());
    }
    Ok(Table {
        path: path.to_path_buf(),
        headers,
        rows,
    })
}

fn csv_error(path: &Path, e: csv::Error) -> FormatError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => FormatError::io(path, io),
        csv::ErrorKind::UnequalLengths { expected_len, len, pos } => FormatError::invalid(
            path,
            format!("{expected_len} fields on every line (as in the header)"),
            format!("{len} fields on line {}", pos.map(|p| p.line()).or(line).unwrap_or(0)),
        ),
        other => FormatError::invalid(path, "a delimited text table", format!("{other:?}")),
    }
}

/// `Table 3 rows × 2 columns (id, value)`.
impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers = self.headers();
        write!(
            f,
            "Table {} rows × {} columns ({})",
            self.n_rows(),
            headers.len(),
            headers.join(", ")
        )
    }
}

impl Table {
    /// Column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    fn index(&self, name: &str) -> Result<usize, FormatError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            FormatError::invalid(
                &self.path,
                format!("a column `{name}`"),
                format!("columns {}", self.headers.join(", ")),
            )
        })
    }

    /// The values of column `name`.
    pub fn column(&self, name: &str) -> Result<Vec<String>, FormatError> {
        let i = self.index(name)?;
        Ok(self.rows.iter().map(|r| r[i].clone()).collect())
    }

    /// The named columns as an `f32` matrix (rows × columns); a non-number names its line and column.
    pub fn numeric(&self, names: &[&str]) -> Result<Array2<f32>, FormatError> {
        let indices = names.iter().map(|n| self.index(n)).collect::<Result<Vec<_>, _>>()?;
        let mut m = Array2::zeros((self.rows.len(), indices.len()));
        for (r, row) in self.rows.iter().enumerate() {
            for (c, &i) in indices.iter().enumerate() {
                m[[r, c]] = parse_number(&row[i]).ok_or_else(|| {
                    FormatError::invalid(
                        &self.path,
                        format!("a number in column `{}`", self.headers[i]),
                        format!("{:?} on line {}", row[i], r + 2),
                    )
                })?;
            }
        }
        Ok(m)
    }

    /// Every column that parses as numbers in all rows.
    pub fn numeric_columns(&self) -> Vec<String> {
        (0..self.headers.len())
            .filter(|&i| !self.rows.is_empty() && self.rows.iter().all(|r| parse_number(&r[i]).is_some()))
            .map(|i| self.headers[i].clone())
            .collect()
    }

    /// Shape and column names.
    pub fn summary(&self) -> TableSummary {
        let all_numeric = self.numeric_columns().len() == self.headers.len();
        TableSummary {
            shape: [self.rows.len(), self.headers.len()],
            columns: self.headers.clone(),
            dtype: if all_numeric { "float" } else { "mixed" }.into(),
        }
    }
}

/// A number, with BIDS's `n/a` and empty cells as NaN.
fn parse_number(text: &str) -> Option<f32> {
    match text {
        "n/a" | "NaN" | "nan" | "" => Some(f32::NAN),
        t => t.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, "a,b\n1,2\n3\n").unwrap();
        let err = read_table(&p, None).unwrap_err().to_string();
        assert!(err.contains("expected 2 fields on every line"), "{err}");
        assert!(err.contains("found 1 fields on line 3"), "{err}");
    }

    #[test]
    fn non_numbers_and_missing_columns_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.csv");
        std::fs::write(&p, "id,x\na,1\nb,oops\n").unwrap();
        let t = read_table(&p, None).unwrap();
        let err = t.numeric(&["x"]).unwrap_err().to_string();
        assert!(err.contains("\"oops\" on line 3"), "{err}");
        assert!(t.column("y").unwrap_err().to_string().contains("columns id, x"));
        assert_eq!(t.numeric_columns(), Vec::<String>::new());
        assert_eq!(t.summary().shape, [2, 2]);
    }
}
