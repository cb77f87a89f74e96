//! Any bytes, read as a CSV and as a TSV table, then as numbers.

#![no_main]

use brainclip_readers::formats::table::read_table;
use brainclip_readers::with_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ext in ["csv", "tsv"] {
        with_file(data, ext, |path| {
            if let Ok(table) = read_table(path, None) {
                let columns = table.numeric_columns();
                let names: Vec<&str> = columns.iter().map(String::as_str).collect();
                let _ = table.numeric(&names);
            }
        });
    }
});
