//! Broken files: each must give the right error, naming what was expected and found, and none may
//! panic.

mod nifti_common;

use std::path::Path;

use brainclip::data::nifti::{NiftiError, read_header, read_image, read_image_bytes};
use nifti_common::{Build, gzip, temp_path};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/nifti")
            .join(name),
    )
    .unwrap()
}

fn small() -> Build {
    Build::new(1, false, &[2, 2, 2], 4, 16)
}

fn small_data() -> Vec<u8> {
    (0..8i16).flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn truncated_gzip_at_every_length_is_an_error() {
    let gz = fixture("standard.nii.gz");
    for cut in 0..gz.len() {
        let e = read_image_bytes(&gz[..cut], true).expect_err("a cut gzip stream must not read");
        assert!(
            matches!(
                e,
                NiftiError::Gzip { .. } | NiftiError::TruncatedHeader { .. } | NiftiError::DataSize { .. }
            ),
            "cut at {cut}: {e}"
        );
    }
    // Cut inside the last bytes (the CRC/size trailer): the data is all there, the check is not.
    let e = read_image_bytes(&gz[..gz.len() - 3], true).unwrap_err();
    assert!(matches!(e, NiftiError::Gzip { .. }), "{e}");
    assert!(
        e.to_string().contains("<bytes>") && e.to_string().contains("gzip"),
        "{e}"
    );
}

#[test]
fn truncated_gzip_of_a_real_series_names_the_file() {
    let gz = fixture("example4d.nii.gz");
    let path = temp_path("cut_example4d.nii.gz");
    std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
    let e = read_image(&path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, NiftiError::Gzip { .. }), "{msg}");
    assert!(
        msg.contains("cut_example4d.nii.gz") && msg.contains("truncated"),
        "{msg}"
    );
    // The header is still readable.
    assert_eq!(read_header(&path).unwrap().shape, vec![128, 96, 24, 2]);
}

#[test]
fn corrupt_gzip_is_an_error() {
    let gz = fixture("nitime_fmri1.nii.gz");
    // Damage the deflate stream in the middle.
    let mut bad = gz.clone();
    for b in &mut bad[gz.len() / 2..gz.len() / 2 + 64] {
        *b ^= 0x5a;
    }
    let e = read_image_bytes(&bad, true).unwrap_err();
    assert!(matches!(e, NiftiError::Gzip { .. }), "{e}");
    // Damage only the CRC: every voxel decompresses, the checksum catches it.
    let mut bad = gz.clone();
    let n = bad.len();
    bad[n - 8] ^= 0xff;
    let e = read_image_bytes(&bad, true).unwrap_err();
    assert!(matches!(e, NiftiError::Gzip { .. }), "{e}");
    // Not gzip at all.
    let e = read_image_bytes(&fixture("functional.nii"), true).unwrap_err();
    assert!(e.to_string().contains("gzip magic"), "{e}");
}

#[test]
fn every_single_byte_flip_of_a_small_file_is_handled() {
    for (bytes, gz) in [
        (fixture("standard.nii.gz"), true),
        (small().bytes(&small_data()), false),
    ] {
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                // Ok or Err, but no panic.
                let _ = read_image_bytes(&b, gz);
            }
        }
    }
}

#[test]
fn raw_file_cut_anywhere_is_an_error() {
    let raw = small().bytes(&small_data());
    for cut in 0..raw.len() {
        let e = read_image_bytes(&raw[..cut], false).expect_err("a cut file must not read");
        assert!(
            matches!(
                e,
                NiftiError::TruncatedHeader { .. } | NiftiError::DataSize { .. } | NiftiError::NotNifti { .. }
            ),
            "cut at {cut}: {e}"
        );
    }
}

#[test]
fn dims_larger_than_the_data_say_expected_and_found() {
    let mut b = small();
    b.dims = vec![4, 4, 4];
    for (bytes, gz) in [(b.bytes(&small_data()), false), (gzip(&b.bytes(&small_data())), true)] {
        match read_image_bytes(&bytes, gz) {
            Err(NiftiError::DataSize {
                expected,
                found,
                ref shape,
                ref datatype,
                offset,
                ..
            }) => {
                assert_eq!((expected, found, offset), (128, 16, 352));
                assert_eq!((shape.as_slice(), datatype.as_str()), (&[4usize, 4, 4][..], "int16"));
            }
            other => panic!("{other:?}"),
        }
    }
    let msg = read_image_bytes(&b.bytes(&small_data()), false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("128 bytes") && msg.contains("only 16"), "{msg}");
}

#[test]
fn huge_dims_are_refused_before_allocating() {
    let mut b = small();
    b.dims = vec![32767, 32767, 32767, 32767, 32767, 32767, 32767];
    let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
    assert!(matches!(e, NiftiError::CorruptHeader { field: "dim", .. }), "{e}");
    let mut b = Build::new(2, false, &[i64::MAX / 2, 4], 4, 16);
    b.dims = vec![i64::MAX / 2, 4];
    let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
    assert!(matches!(e, NiftiError::CorruptHeader { field: "dim", .. }), "{e}");
    // Plausible but absent: 1 GiB claimed, 16 bytes present, and gzip cannot hold more.
    let mut b = small();
    b.dims = vec![1024, 1024, 512];
    let e = read_image_bytes(&gzip(&b.bytes(&small_data())), true).unwrap_err();
    assert!(matches!(e, NiftiError::DataSize { found: 16, .. }), "{e}");
}

#[test]
fn bad_dims_are_refused() {
    for (dims, dim0) in [
        (vec![2, 2, 2], Some(0)),
        (vec![2, 2, 2], Some(8)),
        (vec![2, -2, 2], None),
        (vec![2, 0, 2], None),
    ] {
        for version in [1, 2] {
            let mut b = Build::new(version, false, &dims, 4, 16);
            b.dim0 = dim0;
            let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
            assert!(matches!(e, NiftiError::CorruptHeader { .. }), "{dims:?} {dim0:?}: {e}");
        }
    }
}

#[test]
fn unknown_datatype_code() {
    let mut b = small();
    b.datatype = 3;
    let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
    match &e {
        NiftiError::UnsupportedDatatype { code, name, .. } => {
            assert_eq!((*code, name.as_str()), (3, "not a NIfTI datatype code"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("datatype code 3"), "{e}");
}

#[test]
fn bad_magic_and_non_nifti_input() {
    let mut b = small();
    b.magic = Some(b"xyz\0".to_vec());
    let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
    assert!(matches!(e, NiftiError::NotNifti { .. }), "{e}");
    assert!(e.to_string().contains("xyz"), "{e}");
    b.magic = Some(b"ni1\0".to_vec());
    let e = read_image_bytes(&b.bytes(&small_data()), false).unwrap_err();
    assert!(e.to_string().contains(".hdr/.img pair"), "{e}");
    let mut b2 = Build::new(2, false, &[2, 2, 2], 4, 16);
    b2.magic = Some(b"n+1\0\0\0\0\0".to_vec());
    let e = read_image_bytes(&b2.bytes(&small_data()), false).unwrap_err();
    assert!(matches!(e, NiftiError::NotNifti { .. }), "{e}");
    for junk in [&b""[..], b"\0", b"PNG\r\n", &[0u8; 400][..], &[0xffu8; 600][..]] {
        let e = read_image_bytes(junk, false).unwrap_err();
        assert!(
            matches!(e, NiftiError::NotNifti { .. } | NiftiError::TruncatedHeader { .. }),
            "{e}"
        );
    }
    // An Analyze-7.5 style header (sizeof_hdr 348, no magic).
    let mut b = small();
    b.magic = Some(vec![0; 4]);
    assert!(matches!(
        read_image_bytes(&b.bytes(&small_data()), false),
        Err(NiftiError::NotNifti { .. })
    ));
}

#[test]
fn header_only_file_is_truncated() {
    let bytes = small().bytes(&small_data());
    let e = read_image_bytes(&bytes[..348], false).unwrap_err();
    assert!(matches!(e, NiftiError::DataSize { found: 0, .. }), "{e}");
    let e = read_image_bytes(&bytes[..200], false).unwrap_err();
    assert!(
        matches!(
            e,
            NiftiError::TruncatedHeader {
                expected: 348,
                found: 200,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn bad_vox_offsets() {
    for (vo, ok) in [
        (100.0, false),
        (-352.0, false),
        (f64::NAN, false),
        (f64::INFINITY, false),
        (1e9, false),
        (360.0, true),
    ] {
        let mut b = small();
        b.vox_offset = Some(vo);
        let bytes = b.bytes(&small_data());
        let r = read_image_bytes(&bytes, false);
        assert_eq!(r.is_ok(), ok, "vox_offset {vo}: {r:?}");
        if let Err(e) = r {
            assert!(
                matches!(
                    e,
                    NiftiError::CorruptHeader {
                        field: "vox_offset",
                        ..
                    }
                ),
                "{vo}: {e}"
            );
        }
    }
}

#[test]
fn bad_extension_sizes() {
    for esize in [-16i32, 0, 4, 1000] {
        let mut b = small();
        b.extensions = vec![(6, vec![b'x'; 24])];
        let mut bytes = b.bytes(&small_data());
        bytes[352..356].copy_from_slice(&esize.to_le_bytes());
        let e = read_image_bytes(&bytes, false).unwrap_err();
        assert!(
            matches!(
                e,
                NiftiError::CorruptHeader {
                    field: "extension esize",
                    ..
                }
            ),
            "{esize}: {e}"
        );
    }
}

#[test]
fn missing_file_names_the_path() {
    let e = read_image(Path::new("/nonexistent/dir/sub-01_bold.nii.gz")).unwrap_err();
    assert!(matches!(e, NiftiError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/dir/sub-01_bold.nii.gz"), "{e}");
    assert!(read_header(Path::new("/nonexistent/x.nii")).is_err());
}
