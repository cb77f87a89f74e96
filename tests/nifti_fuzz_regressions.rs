//! Replays the inputs kept from fuzzing (tests/data/nifti/fuzz_regressions/): none may panic, and
//! each must keep giving the error it gave when it was found.

use std::path::Path;

use brainclip::data::nifti::{NiftiError, NiftiImage, read_image_bytes};

fn kind(result: &Result<NiftiImage, NiftiError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(NiftiError::Io { .. }) => "io",
        Err(NiftiError::Gzip { .. }) => "gzip",
        Err(NiftiError::TruncatedHeader { .. }) => "truncated_header",
        Err(NiftiError::NotNifti { .. }) => "not_nifti",
        Err(NiftiError::CorruptHeader { .. }) => "corrupt_header",
        Err(NiftiError::DataSize { .. }) => "data_size",
        Err(NiftiError::UnsupportedDatatype { .. }) => "unsupported_datatype",
        Err(_) => "other",
    }
}

/// (file, error as `.nii`, error as `.nii.gz`)
const EXPECTED: &[(&str, &str, &str)] = &[
    ("corrupt_header.bin", "corrupt_header", "gzip"),
    ("data_size.bin", "data_size", "gzip"),
    ("gz_corrupt_header.bin", "not_nifti", "corrupt_header"),
    ("gz_not_nifti.bin", "not_nifti", "gzip"),
    ("gz_unsupported_datatype.bin", "not_nifti", "unsupported_datatype"),
    ("not_nifti.bin", "not_nifti", "not_nifti"),
    ("truncated_header.bin", "truncated_header", "gzip"),
    ("unsupported_datatype.bin", "unsupported_datatype", "gzip"),
];

#[test]
fn kept_fuzz_inputs_give_the_same_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nifti/fuzz_regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let got = (
            kind(&read_image_bytes(&bytes, false)),
            kind(&read_image_bytes(&bytes, true)),
        );
        // A newly added crasher has no entry: not panicking is its test.
        if let Some((_, raw, gz)) = EXPECTED.iter().find(|(f, _, _)| *f == name) {
            assert_eq!(got, (*raw, *gz), "{name}");
        }
        seen += 1;
    }
    assert!(seen >= EXPECTED.len());
}
