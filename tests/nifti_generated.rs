//! Files built byte by byte in the test: every supported datatype in both byte orders and both
//! format versions, with and without scaling; unsupported datatypes; odd but legal headers.

mod nifti_common;

use brainclip::data::nifti::{NiftiError, NiftiFormat, read_header, read_image, read_image_bytes, stats};
use nifti_common::{Build, gzip, temp_path};

/// A datatype under test: code, bits, stored values, and their encoding.
struct Case {
    name: &'static str,
    code: i16,
    bits: i16,
    values: Vec<f64>,
    encode: fn(f64, bool) -> Vec<u8>,
}

fn cases() -> Vec<Case> {
    fn be_or_le<const N: usize>(le: [u8; N], be: [u8; N], big: bool) -> Vec<u8> {
        if big { be.to_vec() } else { le.to_vec() }
    }
    vec![
        Case {
            name: "uint8",
            code: 2,
            bits: 8,
            values: vec![0.0, 1.0, 127.0, 255.0, 42.0, 200.0],
            encode: |v, _| vec![v as u8],
        },
        Case {
            name: "int8",
            code: 256,
            bits: 8,
            values: vec![0.0, -1.0, 127.0, -128.0, 42.0, -100.0],
            encode: |v, _| (v as i8).to_le_bytes().to_vec(),
        },
        Case {
            name: "int16",
            code: 4,
            bits: 16,
            values: vec![0.0, -1.0, 32767.0, -32768.0, 1234.0, -4321.0],
            encode: |v, big| be_or_le((v as i16).to_le_bytes(), (v as i16).to_be_bytes(), big),
        },
        Case {
            name: "uint16",
            code: 512,
            bits: 16,
            values: vec![0.0, 1.0, 65535.0, 32768.0, 1234.0, 40000.0],
            encode: |v, big| be_or_le((v as u16).to_le_bytes(), (v as u16).to_be_bytes(), big),
        },
        Case {
            name: "int32",
            code: 8,
            bits: 32,
            // 16777217 = 2^24 + 1 is the first integer float32 cannot hold.
            values: vec![0.0, -1.0, 2147483647.0, -2147483648.0, 16777217.0, -123456789.0],
            encode: |v, big| be_or_le((v as i32).to_le_bytes(), (v as i32).to_be_bytes(), big),
        },
        Case {
            name: "float32",
            code: 16,
            bits: 32,
            values: vec![0.0, -1.5, 3.25e10, -1e-20, 0.1, 65504.0],
            encode: |v, big| be_or_le((v as f32).to_le_bytes(), (v as f32).to_be_bytes(), big),
        },
        Case {
            name: "float64",
            code: 64,
            bits: 64,
            // 1e300 overflows float32 (inf); 1e-50 underflows to 0.
            values: vec![0.0, -1.5, 1e300, 1e-50, 1.0 / 3.0, -2.5],
            encode: |v, big| be_or_le(v.to_le_bytes(), v.to_be_bytes(), big),
        },
    ]
}

/// What a stored value must read as: widened to f64, scaled there, rounded to f32 once.
fn expected(case: &Case, v: f64, slope: f64, inter: f64) -> f32 {
    let stored = if case.code == 16 { f64::from(v as f32) } else { v };
    if slope == 0.0 || !slope.is_finite() {
        stored as f32
    } else {
        (stored * slope + inter) as f32
    }
}

fn check_case(case: &Case, version: u8, big: bool, slope: f64, inter: f64, gz: bool) {
    let data: Vec<u8> = case.values.iter().flat_map(|v| (case.encode)(*v, big)).collect();
    let mut b = Build::new(version, big, &[1, 2, 3], case.code, case.bits);
    b.slope = slope;
    b.inter = inter;
    let mut bytes = b.bytes(&data);
    if gz {
        bytes = gzip(&bytes);
    }
    let what = format!("{} v{version} big={big} slope={slope} inter={inter} gz={gz}", case.name);
    let img = read_image_bytes(&bytes, gz).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(img.header.datatype, case.name, "{what}");
    assert_eq!(img.header.byte_order, if big { "big" } else { "little" }, "{what}");
    assert_eq!(
        img.header.format,
        if version == 1 {
            NiftiFormat::Nifti1
        } else {
            NiftiFormat::Nifti2
        },
        "{what}"
    );
    assert_eq!(img.data.shape(), &[1, 2, 3], "{what}");
    for (f, v) in case.values.iter().enumerate() {
        // File order is x fastest: flat index f = i + 1 * (j + 2 * k).
        let (j, k) = (f % 2, f / 2);
        let got = img.data[[0, j, k]];
        let want = expected(case, *v, slope, inter);
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "{what}: value {f}: {got} vs {want}"
        );
    }
}

#[test]
fn every_datatype_both_byte_orders_both_versions() {
    for case in cases() {
        for version in [1, 2] {
            for big in [false, true] {
                for gz in [false, true] {
                    check_case(&case, version, big, 1.0, 0.0, gz);
                }
            }
        }
    }
}

#[test]
fn slope_and_intercept_are_applied() {
    for case in cases() {
        for version in [1, 2] {
            for big in [false, true] {
                check_case(&case, version, big, 0.5, 10.0, false);
                check_case(&case, version, big, -3.0, 0.25, false);
                // Intercept alone: a slope of 1 with an offset still shifts.
                check_case(&case, version, big, 1.0, -100.0, false);
            }
        }
    }
}

#[test]
fn zero_or_non_finite_slope_means_no_scaling() {
    for case in cases() {
        for version in [1, 2] {
            check_case(&case, version, false, 0.0, 5.0, false);
            check_case(&case, version, true, f64::NAN, 5.0, false);
            check_case(&case, version, false, f64::INFINITY, 5.0, false);
        }
    }
}

#[test]
fn finite_slope_with_non_finite_intercept_is_refused() {
    let mut b = Build::new(1, false, &[2, 1, 1], 2, 8);
    b.slope = 2.0;
    b.inter = f64::NAN;
    let e = read_image_bytes(&b.bytes(&[1, 2]), false).unwrap_err();
    assert!(matches!(e, NiftiError::CorruptHeader { field: "scl_inter", .. }), "{e}");
}

#[test]
fn bitpix_is_not_trusted() {
    // The `nifti` crate sizes voxels by bitpix; the datatype is what counts.
    let b = Build::new(1, false, &[2, 1, 1], 4, 0);
    let img = read_image_bytes(&b.bytes(&[1, 0, 2, 0]), false).unwrap();
    assert_eq!(img.data.as_slice_memory_order().unwrap(), &[1.0, 2.0]);
}

#[test]
fn unsupported_datatypes_are_named_with_their_code() {
    for (code, name, bits) in [
        (768, "uint32", 32),
        (1024, "int64", 64),
        (1280, "uint64", 64),
        (32, "complex64", 64),
        (128, "rgb24", 24),
    ] {
        for version in [1, 2] {
            let b = Build::new(version, false, &[2, 1, 1], code, bits);
            let bytes = b.bytes(&[0u8; 16]);
            match read_image_bytes(&bytes, false) {
                Err(NiftiError::UnsupportedDatatype { code: c, name: n, .. }) => {
                    assert_eq!((c, n.as_str()), (i32::from(code), name));
                }
                other => panic!("{name}: {other:?}"),
            }
            // The header alone is still readable, so `inspect` can say what the file holds.
            let path = temp_path(&format!("unsupported_{name}_v{version}.nii"));
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read_header(&path).unwrap().datatype, name);
        }
    }
}

#[test]
fn four_d_series_and_tr_units() {
    for version in [1, 2] {
        for (units, pixdim4, tr) in [
            (8u8, 2.0, Some(2.0)),
            (16, 1500.0, Some(1.5)),
            (24, 8e5, Some(0.8)),
            (32, 2.0, None),
        ] {
            let mut b = Build::new(version, true, &[2, 1, 1, 3], 4, 16);
            b.xyzt_units = 2 | units;
            b.pixdim[4] = pixdim4;
            let data: Vec<u8> = (0..6i16).flat_map(|v| v.to_be_bytes()).collect();
            let img = read_image_bytes(&b.bytes(&data), false).unwrap();
            assert_eq!(img.header.tr, tr, "units {units}");
            assert_eq!(img.data.shape(), &[2, 1, 1, 3]);
            // x fastest, then time: value at (i, 0, 0, t) = i + 2 t.
            assert_eq!(img.data[[1, 0, 0, 2]], 5.0);
            assert_eq!(img.data[[0, 0, 0, 1]], 2.0);
        }
    }
}

#[test]
fn extensions_are_listed_and_skipped() {
    for version in [1, 2] {
        for big in [false, true] {
            let mut b = Build::new(version, big, &[2, 1, 1], 2, 8);
            b.extensions = vec![(6, b"a comment".to_vec()), (4, vec![7u8; 30])];
            let img = read_image_bytes(&b.bytes(&[9, 8]), false).unwrap();
            assert_eq!(img.header.extensions, vec![(6, 32), (4, 48)]);
            let header_size = if version == 1 { 348 } else { 540 };
            assert_eq!(img.header.vox_offset, (header_size + 4 + 32 + 48) as f64);
            assert_eq!(img.data.as_slice_memory_order().unwrap(), &[9.0, 8.0]);
        }
    }
}

#[test]
fn vox_offset_zero_means_right_after_the_header() {
    let mut b = Build::new(1, false, &[2, 1, 1], 2, 8);
    b.vox_offset = Some(0.0);
    let img = read_image_bytes(&b.bytes(&[3, 4]), false).unwrap();
    assert_eq!(img.header.vox_offset, 352.0);
    assert_eq!(img.data.as_slice_memory_order().unwrap(), &[3.0, 4.0]);
}

#[test]
fn padding_before_the_data_and_bytes_after_it_are_ignored() {
    let mut b = Build::new(1, false, &[2, 1, 1], 2, 8);
    b.vox_offset = Some(400.0);
    let mut bytes = b.bytes(&[5, 6]);
    bytes.extend([0xff; 10]);
    let img = read_image_bytes(&bytes, false).unwrap();
    assert_eq!(img.data.as_slice_memory_order().unwrap(), &[5.0, 6.0]);
    let img = read_image_bytes(&gzip(&bytes), true).unwrap();
    assert_eq!(img.data.as_slice_memory_order().unwrap(), &[5.0, 6.0]);
}

#[test]
fn multi_member_gzip_is_read_whole() {
    // bgzip and concatenated .gz files hold several members; the data spans them.
    let b = Build::new(1, false, &[4, 1, 1], 2, 8);
    let bytes = b.bytes(&[1, 2, 3, 4]);
    let (head, tail) = bytes.split_at(350);
    let mut two = gzip(head);
    two.extend(gzip(tail));
    let img = read_image_bytes(&two, true).unwrap();
    assert_eq!(img.data.as_slice_memory_order().unwrap(), &[1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn path_reader_picks_compression_by_suffix() {
    let b = Build::new(1, false, &[2, 1, 1], 2, 8);
    let raw = b.bytes(&[1, 2]);
    let plain = temp_path("suffix.nii");
    std::fs::write(&plain, &raw).unwrap();
    let packed = temp_path("suffix.nii.GZ");
    std::fs::write(&packed, gzip(&raw)).unwrap();
    assert_eq!(read_image(&plain).unwrap().data, read_image(&packed).unwrap().data);
    assert_eq!(read_header(&plain).unwrap(), read_header(&packed).unwrap());
    // A gzip file named .nii is refused with a hint.
    let wrong = temp_path("really_gz.nii");
    std::fs::write(&wrong, gzip(&raw)).unwrap();
    let e = read_image(&wrong).unwrap_err().to_string();
    assert!(
        e.contains("name the file .nii.gz") && e.contains("really_gz.nii"),
        "{e}"
    );
}

#[test]
fn qform_affine_with_rotation() {
    // 90° about z: quaternion (a, b, c, d) = (cos 45°, 0, 0, sin 45°); qfac -1 flips k.
    let mut b = Build::new(1, false, &[2, 1, 1], 2, 8);
    b.sform_code = 0;
    b.qform_code = 1;
    b.pixdim[0] = -1.0;
    b.pixdim[1..4].copy_from_slice(&[2.0, 3.0, 4.0]);
    b.quatern = [0.0, 0.0, std::f64::consts::FRAC_1_SQRT_2, 1.0, 2.0, 3.0];
    let h = read_image_bytes(&b.bytes(&[0, 0]), false).unwrap().header;
    assert_eq!(h.affine_source, "qform");
    let want = [
        [0.0, -3.0, 0.0, 1.0],
        [2.0, 0.0, 0.0, 2.0],
        [0.0, 0.0, -4.0, 3.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    for (r, w) in h.affine.iter().zip(&want) {
        for (a, b) in r.iter().zip(w) {
            assert!((a - b).abs() < 1e-6, "{:?}", h.affine);
        }
    }
    assert_eq!(h.voxel_size, vec![2.0, 3.0, 4.0]);
}

#[test]
fn stats_count_non_finite_values() {
    let b = Build::new(1, false, &[4, 1, 1], 16, 32);
    let data: Vec<u8> = [1.0f32, f32::NAN, f32::NEG_INFINITY, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let s = stats(&read_image_bytes(&b.bytes(&data), false).unwrap());
    assert_eq!((s.min, s.max, s.mean, s.non_finite), (1.0, 3.0, 2.0, 2));
    let data: Vec<u8> = [f32::NAN; 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let b = Build::new(1, false, &[2, 1, 1], 16, 32);
    let s = stats(&read_image_bytes(&b.bytes(&data), false).unwrap());
    assert!(s.min.is_nan() && s.max.is_nan() && s.mean.is_nan());
    assert_eq!(s.non_finite, 2);
}

#[test]
fn large_gzip_series_reads_like_the_raw_file() {
    // Over 4 MiB of voxels, so the two-thread inflate path runs; values vary so chunks differ.
    let dims = [64i64, 64, 40, 16];
    let count: usize = dims.iter().product::<i64>() as usize;
    let data: Vec<u8> = (0..count)
        .flat_map(|i| ((i * 7919 % 65521) as i16).to_be_bytes())
        .collect();
    let mut b = Build::new(1, true, &dims, 4, 16);
    b.slope = 0.5;
    b.inter = -3.0;
    let raw = b.bytes(&data);
    let packed = gzip(&raw);
    let from_raw = read_image_bytes(&raw, false).unwrap();
    let from_gz = read_image_bytes(&packed, true).unwrap();
    assert_eq!(from_raw.data, from_gz.data);
    assert_eq!(
        from_gz.data[[63, 63, 39, 15]],
        ((((count - 1) * 7919 % 65521) as i16) as f32) * 0.5 - 3.0
    );

    // Cut in the middle of the voxel data: a gzip error, from the thread-fed path too.
    let e = read_image_bytes(&packed[..packed.len() / 2], true).unwrap_err();
    assert!(matches!(e, NiftiError::Gzip { .. }), "{e}");
    // A complete gzip stream whose content is short: the size error.
    let short = gzip(&raw[..raw.len() - 1000]);
    match read_image_bytes(&short, true) {
        Err(NiftiError::DataSize { expected, found, .. }) => assert_eq!(expected - found, 1000),
        other => panic!("{other:?}"),
    }
}
