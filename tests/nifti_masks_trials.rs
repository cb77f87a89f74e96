//! Masks, atlases, NaN policies and events → trial samples on committed files, with expected
//! values worked out by hand from how the files were made (tests/data/nifti/make_generated.py).

mod nifti_common;

use std::path::{Path, PathBuf};

use brainclip::data::nifti::{
    Events, NiftiError, NiftiImage, NonFinitePolicy, TrialOptions, apply_mask, apply_mask_with, mask_from_atlas,
    mask_from_volume, read_events, read_image, trial_samples,
};
use ndarray::{ArrayD, IxDyn, ShapeBuilder, array};

fn data_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nifti")
        .join(file)
}

fn load(file: &str) -> NiftiImage {
    read_image(&data_path(file)).unwrap()
}

/// An image on `shape` whose voxels are 1 (the template gives the header).
fn ones_like(template: &NiftiImage, shape: &[usize]) -> NiftiImage {
    NiftiImage {
        data: ArrayD::from_elem(IxDyn(shape).f(), 1.0),
        ..template.clone()
    }
}

// atlas.nii.gz (2×2×2): label 3 at (0,0,0) and (1,0,0), 7 at (0,1,0), 12 at (1,1,1), else 0.
// Flat index i + 2 j + 4 k: (0,0,0) → 0, (1,0,0) → 1, (0,1,0) → 2, (1,1,1) → 7.

#[test]
fn mask_from_volume_takes_non_zero_voxels() {
    let mask = mask_from_volume(&load("generated/atlas.nii.gz")).unwrap();
    assert_eq!(mask.shape(), [2, 2, 2]);
    assert_eq!(mask.indices(), &[0, 1, 2, 7]);
    assert_eq!(mask.coords(), vec![[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1]]);
    assert_eq!(mask.len(), 4);
}

#[test]
fn mask_from_atlas_takes_listed_labels() {
    let atlas = load("generated/atlas.nii.gz");
    assert_eq!(mask_from_atlas(&atlas, &[3]).unwrap().indices(), &[0, 1]);
    assert_eq!(mask_from_atlas(&atlas, &[12, 7]).unwrap().indices(), &[2, 7]);
    assert_eq!(mask_from_atlas(&atlas, &[3, 7, 12]).unwrap().len(), 4);
    let e = mask_from_atlas(&atlas, &[3, 5]).unwrap_err().to_string();
    assert!(
        e.contains("[5]") && e.contains("[0, 3, 7, 12]") && e.contains("atlas.nii.gz"),
        "{e}"
    );
    assert!(matches!(
        mask_from_atlas(&atlas, &[]),
        Err(NiftiError::InvalidArgument { .. })
    ));
}

#[test]
fn masks_need_a_single_volume_with_something_in_it() {
    let series = load("functional.nii");
    let e = mask_from_volume(&series).unwrap_err();
    assert!(matches!(e, NiftiError::WrongDimensionality { .. }), "{e}");
    let zeros = NiftiImage {
        data: ArrayD::zeros(IxDyn(&[2, 2, 2])),
        ..series.clone()
    };
    assert!(matches!(mask_from_volume(&zeros), Err(NiftiError::EmptyMask { .. })));
    let mut nan = ones_like(&series, &[2, 2, 2]);
    nan.data[[1, 1, 0]] = f32::NAN;
    match mask_from_volume(&nan) {
        Err(NiftiError::NonFinite { count: 1, first, .. }) => assert_eq!(first, vec![[1, 1, 0, 0]]),
        other => panic!("{other:?}"),
    }
    // A 4-D mask with one volume is fine.
    assert_eq!(mask_from_volume(&ones_like(&series, &[2, 2, 2, 1])).unwrap().len(), 8);
}

#[test]
fn apply_mask_gives_time_by_voxels() {
    let series = load("functional.nii");
    let mut m = NiftiImage {
        data: ArrayD::zeros(IxDyn(&[17, 21, 3]).f()),
        ..series.clone()
    };
    let picked = [[0, 0, 0], [16, 20, 2], [5, 7, 1]];
    for p in picked {
        m.data[&p[..]] = 1.0;
    }
    let mask = mask_from_volume(&m).unwrap();
    let x = apply_mask(&series, &mask).unwrap();
    assert_eq!(x.dim(), (20, 3));
    // Columns come in file order: (0,0,0), then (5,7,1), then (16,20,2).
    for t in 0..20 {
        assert_eq!(x[[t, 0]], series.data[[0, 0, 0, t]]);
        assert_eq!(x[[t, 1]], series.data[[5, 7, 1, t]]);
        assert_eq!(x[[t, 2]], series.data[[16, 20, 2, t]]);
    }
    // A 3-D image gives one row.
    let volume = NiftiImage {
        data: series.data.index_axis(ndarray::Axis(3), 4).to_owned(),
        ..series.clone()
    };
    let row = apply_mask(&volume, &mask).unwrap();
    assert_eq!(row.dim(), (1, 3));
    assert_eq!(row[[0, 1]], series.data[[5, 7, 1, 4]]);
    // The array's memory order does not matter.
    let c_order = NiftiImage {
        data: series.data.as_standard_layout().into_owned(),
        ..series.clone()
    };
    assert_eq!(apply_mask(&c_order, &mask).unwrap(), x);
}

#[test]
fn shape_mismatch_names_both_shapes() {
    let mask = mask_from_volume(&load("generated/atlas.nii.gz")).unwrap();
    let e = apply_mask(&load("functional.nii"), &mask).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, NiftiError::ShapeMismatch { .. }));
    assert!(msg.contains("[2, 2, 2]") && msg.contains("[17, 21, 3, 20]"), "{msg}");
    assert!(msg.contains("atlas.nii.gz") && msg.contains("functional.nii"), "{msg}");
}

// nan_series.nii.gz (2×2×2×3, float32): value at (i,j,k,t) = 3 (4i + 2j + k) + t, except
// (1,0,0,1) = NaN, (1,0,0,2) = +Inf, (0,1,1,0) = -Inf.

#[test]
fn non_finite_policy_error_reports_count_and_places() {
    let series = load("generated/nan_series.nii.gz");
    let all = mask_from_volume(&ones_like(&series, &[2, 2, 2])).unwrap();
    match apply_mask(&series, &all) {
        Err(NiftiError::NonFinite {
            count, voxels, first, ..
        }) => {
            assert_eq!((count, voxels), (3, 2));
            assert_eq!(first, vec![[0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 2]]);
        }
        other => panic!("{other:?}"),
    }
    // Outside the mask, NaN does not matter.
    let clean = mask_from_atlas(&load("generated/atlas.nii.gz"), &[7, 12]).unwrap();
    let x = apply_mask(&series, &clean).unwrap();
    assert_eq!(x, array![[6.0, 21.0], [7.0, 22.0], [8.0, 23.0]]);
}

#[test]
fn non_finite_policy_zero_and_drop() {
    let series = load("generated/nan_series.nii.gz");
    let all = mask_from_volume(&ones_like(&series, &[2, 2, 2])).unwrap();
    let z = apply_mask_with(&series, &all, NonFinitePolicy::Zero).unwrap();
    assert_eq!(z.non_finite.count, 3);
    assert_eq!(z.mask, all);
    // Column c is voxel c (all voxels, file order); voxel 1 is (1,0,0), voxel 6 is (0,1,1).
    assert_eq!(z.data.column(1).to_vec(), vec![12.0, 0.0, 0.0]);
    assert_eq!(z.data.column(6).to_vec(), vec![0.0, 10.0, 11.0]);
    assert_eq!(z.data.column(7).to_vec(), vec![21.0, 22.0, 23.0]);

    let d = apply_mask_with(&series, &all, NonFinitePolicy::DropVoxels).unwrap();
    assert_eq!(d.mask.indices(), &[0, 2, 3, 4, 5, 7]);
    assert_eq!(d.data.dim(), (3, 6));
    assert_eq!(d.non_finite.voxels, 2);
    assert!(d.data.iter().all(|v| v.is_finite()));
    // (1,1,0) is flat index 3, column 2 after dropping voxel 1.
    assert_eq!(d.data.column(2).to_vec(), vec![18.0, 19.0, 20.0]);
}

fn write_events(name: &str, text: &str) -> PathBuf {
    let path = nifti_common::temp_path(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn events_to_trial_samples_on_a_real_series() {
    // series_slope0.nii: 2×3×4×6 int16, TR 1.5 s (stored as 1500 ms).
    let series = load("generated/series_slope0.nii");
    let tr = series.header.tr.unwrap();
    assert_eq!(tr, 1.5);
    let mask = mask_from_volume(&ones_like(&series, &[2, 3, 4])).unwrap();
    let x = apply_mask(&series, &mask).unwrap();
    assert_eq!(x.dim(), (6, 24));
    let path = write_events(
        "run1_events.tsv",
        "onset\tduration\ttrial_type\tstimulus_id\n0\t3\tface\tn01\n1.5\tn/a\thouse\tn02\n",
    );
    let events = read_events(&path, "stimulus_id").unwrap();
    assert_eq!(events.label, vec!["n01", "n02"]);
    // Default delay 4 s, window = duration: event 1 is [4, 7) s → volumes at 4.5 and 6 s (3, 4).
    // Event 2 has an n/a duration, so a window is needed: [5.5, 8.5) → volumes 4 and 5.
    let e = trial_samples(&x, tr, &events, &TrialOptions::default()).unwrap_err();
    assert!(matches!(e, NiftiError::TrialWindow { row: 1, .. }), "{e}");
    let opts = TrialOptions {
        window: Some(3.0),
        ..TrialOptions::default()
    };
    let (samples, labels) = trial_samples(&x, tr, &events, &opts).unwrap();
    assert_eq!(labels, vec!["n01", "n02"]);
    for c in 0..24 {
        let want0 = (f64::from(x[[3, c]]) + f64::from(x[[4, c]])) / 2.0;
        let want1 = (f64::from(x[[4, c]]) + f64::from(x[[5, c]])) / 2.0;
        assert_eq!(f64::from(samples[[0, c]]), want0);
        assert_eq!(f64::from(samples[[1, c]]), want1);
    }
    // One voxel worked out by hand: nibabel's get_fdata()[0, 0, 0, :] is 784, 728, -523, -505,
    // 368, 102 (no scaling: slope 0), so the samples are (-505 + 368) / 2 and (368 + 102) / 2.
    let v0: Vec<f32> = x.column(0).to_vec();
    assert_eq!(v0, vec![784.0, 728.0, -523.0, -505.0, 368.0, 102.0]);
    assert_eq!((samples[[0, 0]], samples[[1, 0]]), (-68.5, 235.0));
}

#[test]
fn trial_window_past_the_end_names_the_event() {
    let x = ndarray::Array2::<f32>::zeros((10, 3));
    let events = Events {
        onset: vec![0.0, 12.0, 14.0],
        duration: vec![2.0; 3],
        label: vec!["ok".into(), "late".into(), "later".into()],
    };
    // TR 2, 10 volumes: the series covers [0, 20) s. With the default 4 s delay the windows are
    // [4, 6), [16, 18) and [18, 20): all inside. With 5 s, the last is [19, 21): past the end.
    assert!(trial_samples(&x, 2.0, &events, &TrialOptions::default()).is_ok());
    let e = trial_samples(
        &x,
        2.0,
        &events,
        &TrialOptions {
            delay: 5.0,
            window: None,
        },
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("event 2") && msg.contains("later") && msg.contains("onset 14"),
        "{msg}"
    );
    assert!(msg.contains("past the end") && msg.contains("10 volumes"), "{msg}");
}
