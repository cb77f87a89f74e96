//! One NSD subject as training and test datasets: sessions streamed one at a time, each masked,
//! z-scored within the session, and folded into per-image sums (repeats averaged) or kept as
//! single trials; test = the shared images.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::captions::CocoCaptions;
use super::design::{ExpDesign, FIRST_RELEASE_SESSIONS};
use super::stim_info::StimInfo;
use super::{BetasFormat, NsdError, read_session};
use crate::data::nifti::{Mask, mask_from_atlas, read_image};
use crate::data::{Category, Dataset, Split};

/// Which shared images form the test set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum TestSet {
    /// All 1,000 shared images (MindEye2 and later).
    #[serde(rename = "shared1000")]
    Shared1000,
    /// The shared images shown in the first 37 sessions, the first public release: 982 for
    /// subjects 1, 2, 5 and 7 (MindEye1, Brain-Diffuser and earlier). The other shared images
    /// are left out of both splits.
    #[serde(rename = "shared982")]
    Shared982,
}

/// Which split's repeats of an image are averaged into one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Average {
    /// Every trial is a sample.
    None,
    /// Test images are averaged, training trials kept single (MindEye's protocol).
    Test,
    /// Both splits averaged.
    All,
}

/// Where the betas come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatChoice {
    /// `.nii.gz` when the first session has one, else `.hdf5`.
    Auto,
    /// `betas_sessionNN.nii.gz`.
    Nifti,
    /// `betas_sessionNN.hdf5`.
    Hdf5,
}

/// How to load a subject. Paths follow NSD's own tree under the root folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NsdOptions {
    /// The subject, 1 to 8.
    #[schemars(range(min = 1, max = 8))]
    pub subject: usize,
    /// Sessions to read, e.g. [1, 2, 3]; [] for every session whose betas file exists.
    #[schemars(inner(range(min = 1)))]
    pub sessions: Vec<usize>,
    /// The space folder (func1pt8mm, func1mm).
    pub space: String,
    /// The betas version folder.
    pub betas: String,
    /// betas_sessionNN.nii.gz or .hdf5; auto: the NIfTI when present.
    pub format: FormatChoice,
    /// The ROI volume in ppdata/subjNN/SPACE/roi/.
    pub roi: String,
    /// ROI labels to keep (nsdgeneral: 1; -1 is outside the brain, 0 outside the ROI).
    pub roi_labels: Vec<i64>,
    /// The test images: all 1,000 shared, or the 982 shown in sessions 1–37 (the first release;
    /// the other shared images are left out).
    pub test: TestSet,
    /// Which split's repeats are averaged into one sample per image.
    pub average: Average,
    /// Z-score every voxel within each session (over its trials) before anything else.
    pub zscore: bool,
    /// Stored int16 = beta_scale × percent signal change (300 in NSD).
    #[schemars(range(min = 0.0))]
    pub beta_scale: f64,
    /// Trials per session in the design (750 in NSD).
    #[schemars(range(min = 1))]
    pub trials_per_session: usize,
    /// Attach each image's first COCO caption (nsddata_stimuli/stimuli/nsd/annotations/).
    pub captions: bool,
}

impl Default for NsdOptions {
    fn default() -> Self {
        Self {
            subject: 1,
            sessions: Vec::new(),
            space: "func1pt8mm".into(),
            betas: "betas_fithrf_GLMdenoise_RR".into(),
            format: FormatChoice::Auto,
            roi: "nsdgeneral".into(),
            roi_labels: vec![1],
            test: TestSet::Shared1000,
            average: Average::Test,
            zscore: true,
            beta_scale: 300.0,
            trials_per_session: 750,
            captions: true,
        }
    }
}

/// The files of an NSD copy, by NSD's own layout under `root`.
///
/// ```
/// let nsd = brainclip::data::nsd::NsdLayout::new("/data/nsd");
/// assert!(nsd.design().ends_with("nsddata/experiments/nsd/nsd_expdesign.mat"));
/// assert!(nsd.roi(1, "func1pt8mm", "nsdgeneral").ends_with("nsddata/ppdata/subj01/func1pt8mm/roi/nsdgeneral.nii.gz"));
/// ```
#[derive(Clone, Debug)]
pub struct NsdLayout {
    root: PathBuf,
}

impl NsdLayout {
    /// The layout under `root` (the folder holding `nsddata/`, `nsddata_betas/` and `nsddata_stimuli/`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    /// `nsd_expdesign.mat`.
    pub fn design(&self) -> PathBuf {
        self.root.join("nsddata/experiments/nsd/nsd_expdesign.mat")
    }
    /// `nsd_stim_info_merged.csv`.
    pub fn stim_info(&self) -> PathBuf {
        self.root.join("nsddata/experiments/nsd/nsd_stim_info_merged.csv")
    }
    /// An ROI volume of a subject.
    pub fn roi(&self, subject: usize, space: &str, roi: &str) -> PathBuf {
        self.root
            .join(format!("nsddata/ppdata/subj{subject:02}/{space}/roi/{roi}.nii.gz"))
    }
    /// A subject's betas folder.
    pub fn betas_dir(&self, subject: usize, space: &str, betas: &str) -> PathBuf {
        self.root
            .join(format!("nsddata_betas/ppdata/subj{subject:02}/{space}/{betas}"))
    }
    /// `nsd_stimuli.hdf5`.
    pub fn stimuli(&self) -> PathBuf {
        self.root.join("nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5")
    }
    /// The files `load_subject` reads whole with `options` (which a run's manifest hashes; the
    /// betas files, gigabytes each, are listed by name in its report instead).
    pub fn small_files(&self, options: &NsdOptions) -> Vec<PathBuf> {
        let mut files = vec![self.design(), self.roi(options.subject, &options.space, &options.roi)];
        if options.captions {
            files.push(self.stim_info());
            files.extend(self.captions());
        }
        files
    }
    /// COCO's 2017 caption files, as NSD ships them.
    pub fn captions(&self) -> Vec<PathBuf> {
        ["train2017", "val2017"]
            .iter()
            .map(|s| {
                self.root
                    .join(format!("nsddata_stimuli/stimuli/nsd/annotations/captions_{s}.json"))
            })
            .collect()
    }
}

/// What was loaded, for the manifest and the script.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NsdReport {
    /// The subject.
    pub subject: usize,
    /// Sessions read.
    pub sessions: Vec<usize>,
    /// The betas files read, in order.
    pub files: Vec<String>,
    /// Their format.
    pub format: BetasFormat,
    /// The ROI file and labels.
    pub roi: String,
    /// Labels kept.
    pub roi_labels: Vec<i64>,
    /// Voxels under the ROI.
    pub voxels: usize,
    /// The grid `[x, y, z]`.
    pub grid: [usize; 3],
    /// The test set.
    pub test_set: TestSet,
    /// Averaging.
    pub average: Average,
    /// Session-wise z-scoring.
    pub zscore: bool,
    /// Trials read.
    pub trials: usize,
    /// Training samples and distinct images.
    pub train_samples: usize,
    /// Distinct training images.
    pub train_images: usize,
    /// Test samples.
    pub test_samples: usize,
    /// Distinct test images.
    pub test_images: usize,
    /// Trials of shared images outside the test set, left out of both splits.
    pub left_out_trials: usize,
}

/// A loaded subject.
#[derive(Clone, Debug)]
pub struct NsdSubject {
    /// Training samples (non-shared images).
    pub train: Dataset,
    /// Test samples (shared images).
    pub test: Dataset,
    /// What was read.
    pub report: NsdReport,
}

/// Samples of one split: single trials, or per-image sums to be averaged.
struct Samples {
    averaged: bool,
    dim: usize,
    rows: Vec<f32>,
    ids: Vec<usize>,
    sums: HashMap<usize, (Vec<f32>, usize)>,
}

impl Samples {
    /// Samples of `dim` voxels; single trials reserve room for `trials` rows at once, so that
    /// growing never holds two copies of the largest buffer.
    fn new(averaged: bool, dim: usize, trials: usize) -> Self {
        let mut rows = Vec::new();
        if !averaged {
            // A failed reservation is no error: the vector grows as rows arrive.
            let _ = rows.try_reserve_exact(trials.saturating_mul(dim));
        }
        Self {
            averaged,
            dim,
            rows,
            ids: Vec::new(),
            sums: HashMap::new(),
        }
    }

    fn add(&mut self, id: usize, row: ndarray::ArrayView1<f32>) {
        if self.averaged {
            let (sum, n) = self.sums.entry(id).or_insert_with(|| (vec![0.0; self.dim], 0));
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v;
            }
            *n += 1;
        } else {
            self.rows.extend(row.iter());
            self.ids.push(id);
        }
    }

    /// The matrix and the image id of each row; averaged samples come sorted by id.
    fn finish(self) -> (Array2<f32>, Vec<usize>) {
        let (rows, ids) = if self.averaged {
            let mut images: Vec<_> = self.sums.into_iter().collect();
            images.sort_by_key(|(id, _)| *id);
            let ids = images.iter().map(|(id, _)| *id).collect();
            let rows = images
                .into_iter()
                .flat_map(|(_, (sum, n))| sum.into_iter().map(move |s| s / n as f32))
                .collect();
            (rows, ids)
        } else {
            (self.rows, self.ids)
        };
        let n = ids.len();
        (
            Array2::from_shape_vec((n, self.dim), rows).unwrap_or_else(|_| Array2::zeros((0, self.dim))),
            ids,
        )
    }
}

/// Z-scores each column over the rows (population standard deviation); constant columns become 0.
fn zscore_columns(m: &mut Array2<f32>) {
    for mut column in m.axis_iter_mut(Axis(1)) {
        let n = column.len() as f64;
        let mean = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = column.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
        let sd = var.sqrt();
        for v in column.iter_mut() {
            *v = if sd > 0.0 && sd.is_finite() {
                ((f64::from(*v) - mean) / sd) as f32
            } else {
                0.0
            };
        }
    }
}

/// Where a trial's samples go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Train,
    Test,
    /// A shared image outside the test set (`shared982`): in neither split.
    LeftOut,
}

/// The first COCO caption of NSD image `id`.
fn first_caption(info: &StimInfo, coco: &CocoCaptions, id: usize) -> Result<String, NsdError> {
    let coco_id = info
        .coco(id)
        .ok_or_else(|| NsdError::Format {
            path: info.path().to_path_buf(),
            detail: format!("no row for nsdId {id}, which the design shows"),
        })?
        .id;
    coco.of(coco_id)
        .and_then(|c| c.first())
        .cloned()
        .ok_or_else(|| NsdError::MissingCaption {
            nsd_id: id,
            coco_id,
            files: coco.describe_files(),
        })
}

fn check(options: &NsdOptions) -> Result<(), NsdError> {
    let invalid = |option, expected, found: String| {
        Err(NsdError::InvalidOption {
            option,
            expected,
            found,
        })
    };
    if options.trials_per_session == 0 {
        return invalid("trials_per_session", "at least 1 (750 in NSD)", "0".into());
    }
    if !(options.beta_scale.is_finite() && options.beta_scale > 0.0) {
        return invalid(
            "beta_scale",
            "a positive number (300 in NSD)",
            options.beta_scale.to_string(),
        );
    }
    if let Some(&s) = options.sessions.iter().find(|&&s| s == 0) {
        return invalid("sessions", "1-based session numbers", s.to_string());
    }
    Ok(())
}

/// Loads one subject of the NSD copy under `root`. `progress(done, total)` is called after each
/// session; returning `false` stops with [`NsdError::Interrupted`].
///
/// ```
/// use brainclip::data::nsd::{NsdOptions, load_subject};
/// let options = NsdOptions { trials_per_session: 20, ..NsdOptions::default() };
/// let subject = load_subject(std::path::Path::new("tests/data/nsd"), &options, &mut |_, _| true)?;
/// // 6 shared images averaged over 3 repeats; 14 images × 3 single training trials.
/// assert_eq!((subject.test.n_samples(), subject.train.n_samples()), (6, 42));
/// assert_eq!(subject.test.sample_ids()[0], "3");
/// assert_eq!(subject.test.captions()[0], "picture 3 caption 0");
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
pub fn load_subject(
    root: &Path,
    options: &NsdOptions,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<NsdSubject, NsdError> {
    check(options)?;
    let layout = NsdLayout::new(root);
    let design = ExpDesign::read(&layout.design())?;
    let shown = design.trial_images(options.subject)?;
    let tps = options.trials_per_session;
    let in_design = shown.len() / tps;
    if in_design == 0 {
        return Err(NsdError::Format {
            path: design.path().to_path_buf(),
            detail: format!(
                "{} trials, fewer than one session of {tps} (trials_per_session; NSD has 750)",
                shown.len()
            ),
        });
    }
    let dir = layout.betas_dir(options.subject, &options.space, &options.betas);
    let format = match options.format {
        FormatChoice::Nifti => BetasFormat::Nifti,
        FormatChoice::Hdf5 => BetasFormat::Hdf5,
        FormatChoice::Auto => {
            let first = options.sessions.first().copied().unwrap_or(1);
            if dir.join(BetasFormat::Nifti.file_name(first)).is_file()
                || !dir.join(BetasFormat::Hdf5.file_name(first)).is_file()
            {
                BetasFormat::Nifti
            } else {
                BetasFormat::Hdf5
            }
        }
    };
    let sessions = if options.sessions.is_empty() {
        (1..=in_design)
            .filter(|&s| dir.join(format.file_name(s)).is_file())
            .collect()
    } else {
        options.sessions.clone()
    };
    if sessions.is_empty() {
        return Err(NsdError::Io {
            path: dir.join(format.file_name(1)),
            detail: format!(
                "no betas file of any of the design's {in_design} sessions in {}; check the root folder, space and betas",
                dir.display()
            ),
        });
    }
    let roi_path = layout.roi(options.subject, &options.space, &options.roi);
    let mask: Mask = mask_from_atlas(&read_image(&roi_path)?, &options.roi_labels)?;
    let test: BTreeSet<usize> = match options.test {
        TestSet::Shared1000 => design.shared().iter().copied().collect(),
        TestSet::Shared982 => design
            .shared_seen(options.subject, FIRST_RELEASE_SESSIONS, tps)?
            .into_iter()
            .collect(),
    };
    let shared: BTreeSet<usize> = design.shared().iter().copied().collect();
    // Every check that can fail runs before the first session is read: on NSD that reading takes
    // long, and an error must not come at its end.
    if let Some(&session) = sessions.iter().find(|&&s| s > in_design) {
        return Err(NsdError::SessionMismatch {
            path: dir.join(format.file_name(session)),
            session,
            expected: 0,
            found: tps,
            hint: "the design has no trials for this session (sessions are 1 to 40 in NSD)",
        });
    }
    let role = |id: usize| {
        if test.contains(&id) {
            Role::Test
        } else if shared.contains(&id) {
            Role::LeftOut
        } else {
            Role::Train
        }
    };
    let trials_of = |session: usize| &shown[(session - 1) * tps..session * tps];
    let shown_as = |wanted: Role| {
        sessions
            .iter()
            .flat_map(|&s| trials_of(s).iter().copied())
            .filter(move |&id| role(id) == wanted)
    };
    let captions = if options.captions {
        let info = StimInfo::read(&layout.stim_info())?;
        let coco = CocoCaptions::read(&layout.captions())?;
        let mut by_id = HashMap::new();
        for id in shown_as(Role::Train).chain(shown_as(Role::Test)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = by_id.entry(id) {
                slot.insert(first_caption(&info, &coco, id)?);
            }
        }
        Some(by_id)
    } else {
        None
    };
    let dim = mask.len();
    let mut train = Samples::new(options.average == Average::All, dim, shown_as(Role::Train).count());
    let mut held_out = Samples::new(options.average != Average::None, dim, shown_as(Role::Test).count());
    let (mut files, mut trials, mut left_out) = (Vec::new(), 0, 0);
    for (done, &session) in sessions.iter().enumerate() {
        let path = dir.join(format.file_name(session));
        let mut betas = read_session(&path, format, &mask, options.beta_scale as f32, tps, session)?;
        if options.zscore {
            zscore_columns(&mut betas);
        }
        for (row, &id) in betas.axis_iter(Axis(0)).zip(trials_of(session)) {
            match role(id) {
                Role::Test => held_out.add(id, row),
                Role::LeftOut => left_out += 1,
                Role::Train => train.add(id, row),
            }
        }
        trials += tps;
        files.push(path.display().to_string());
        if !progress(done + 1, sessions.len()) {
            return Err(NsdError::Interrupted { sessions: done + 1 });
        }
    }
    let subject_name = format!("nsd subj{:02}", options.subject);
    let build = |samples: Samples, split: Split| -> Result<(Dataset, usize), NsdError> {
        let (fmri, ids) = samples.finish();
        let mut categories: Vec<Category> = Vec::new();
        let mut index: HashMap<usize, usize> = HashMap::new();
        let labels = ids
            .iter()
            .map(|&id| {
                *index.entry(id).or_insert_with(|| {
                    categories.push(Category {
                        id: id.to_string(),
                        name: format!("nsd {id}"),
                    });
                    categories.len() - 1
                })
            })
            .collect();
        let names = ids.iter().map(usize::to_string).collect();
        let images = categories.len();
        let n = ids.len();
        let mut data = Dataset::new(
            format!("{subject_name} {split}"),
            split,
            fmri,
            names,
            labels,
            categories,
        )?
        .with_subjects(vec![format!("subj{:02}", options.subject); n])?;
        if let Some(by_id) = &captions {
            data = data.with_captions(ids.iter().map(|id| by_id[id].clone()).collect())?;
        }
        Ok((data, images))
    };
    let (train, train_images) = build(train, Split::Train)?;
    let (test, test_images) = build(held_out, Split::Test)?;
    let report = NsdReport {
        subject: options.subject,
        sessions,
        files,
        format,
        roi: roi_path.display().to_string(),
        roi_labels: options.roi_labels.clone(),
        voxels: dim,
        grid: mask.shape(),
        test_set: options.test,
        average: options.average,
        zscore: options.zscore,
        trials,
        train_samples: train.n_samples(),
        train_images,
        test_samples: test.n_samples(),
        test_images,
        left_out_trials: left_out,
    };
    Ok(NsdSubject { train, test, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nsd"))
    }

    fn tiny() -> NsdOptions {
        NsdOptions {
            trials_per_session: 20,
            ..NsdOptions::default()
        }
    }

    #[test]
    fn zscoring_is_per_voxel_with_the_population_deviation() {
        let mut m = ndarray::array![[1.0_f32, 5.0], [3.0, 5.0]];
        zscore_columns(&mut m);
        assert_eq!(m, ndarray::array![[-1.0, 0.0], [1.0, 0.0]]);
    }

    #[test]
    fn repeats_average_by_image_and_single_trials_keep_their_order() {
        let mut avg = Samples::new(true, 2, 3);
        let mut single = Samples::new(false, 2, 3);
        for (id, row) in [(9, [1.0, 2.0]), (4, [0.0, 0.0]), (9, [3.0, 6.0])] {
            avg.add(id, ndarray::ArrayView1::from(&row));
            single.add(id, ndarray::ArrayView1::from(&row));
        }
        let (m, ids) = avg.finish();
        assert_eq!((m, ids), (ndarray::array![[0.0, 0.0], [2.0, 4.0]], vec![4, 9]));
        let (m, ids) = single.finish();
        assert_eq!((m.nrows(), ids), (3, vec![9, 4, 9]));
    }

    #[test]
    fn the_split_is_by_image_and_matches_a_hand_count() {
        let s = load_subject(&root(), &tiny(), &mut |_, _| true).unwrap();
        // No image is on both sides, and the test side is exactly the shared set.
        let train: BTreeSet<&String> = s.train.sample_ids().iter().collect();
        let test: BTreeSet<&String> = s.test.sample_ids().iter().collect();
        assert!(train.is_disjoint(&test));
        assert_eq!(
            test.into_iter().cloned().collect::<Vec<_>>(),
            ["15", "22", "3", "30", "37", "8"]
        );
        assert_eq!((s.report.trials, s.report.train_images, s.report.voxels), (60, 14, 13));
        // The z-scored, averaged test sample of image 3 by hand: the mean of its three trials.
        let design = ExpDesign::read(&NsdLayout::new(root()).design()).unwrap();
        let shown = design.trial_images(1).unwrap();
        let mask = mask_from_atlas(
            &read_image(&NsdLayout::new(root()).roi(1, "func1pt8mm", "nsdgeneral")).unwrap(),
            &[1],
        )
        .unwrap();
        let dir = NsdLayout::new(root()).betas_dir(1, "func1pt8mm", "betas_fithrf_GLMdenoise_RR");
        let mut sum = vec![0.0_f64; 13];
        let mut n = 0;
        for session in 1..=3 {
            let mut b = read_session(
                &dir.join(BetasFormat::Nifti.file_name(session)),
                BetasFormat::Nifti,
                &mask,
                300.0,
                20,
                session,
            )
            .unwrap();
            zscore_columns(&mut b);
            for (t, &id) in shown[(session - 1) * 20..session * 20].iter().enumerate() {
                if id == 3 {
                    n += 1;
                    for (s, v) in sum.iter_mut().zip(b.row(t)) {
                        *s += f64::from(*v);
                    }
                }
            }
        }
        assert_eq!(n, 3);
        let row = s.test.sample_ids().iter().position(|i| i == "3").unwrap();
        for (a, b) in s.test.fmri().row(row).iter().zip(&sum) {
            assert!((f64::from(*a) - b / 3.0).abs() < 1e-5);
        }
    }

    #[test]
    fn the_older_test_set_leaves_late_shared_images_out_of_both_splits() {
        // The tiny design's 3 sessions lie within the first 37, so here the older set is the whole
        // shared set (design.rs tests the cut itself).
        let options = NsdOptions {
            test: TestSet::Shared982,
            ..tiny()
        };
        let s = load_subject(&root(), &options, &mut |_, _| true).unwrap();
        assert_eq!(s.report.test_images, 6);
        assert_eq!(s.report.left_out_trials, 0);
        let one = NsdOptions {
            sessions: vec![1],
            average: Average::All,
            ..tiny()
        };
        let s = load_subject(&root(), &one, &mut |_, _| true).unwrap();
        assert_eq!(s.report.trials, 20);
        assert_eq!(s.train.n_samples(), s.report.train_images);
    }

    #[test]
    fn hdf5_betas_give_the_same_subject() {
        let nifti = load_subject(&root(), &tiny(), &mut |_, _| true).unwrap();
        let hdf5 = load_subject(
            &root(),
            &NsdOptions {
                format: FormatChoice::Hdf5,
                ..tiny()
            },
            &mut |_, _| true,
        )
        .unwrap();
        assert_eq!(hdf5.report.format, BetasFormat::Hdf5);
        assert_eq!(nifti.train.fmri(), hdf5.train.fmri());
        assert_eq!(nifti.test.fmri(), hdf5.test.fmri());
    }

    #[test]
    fn bad_inputs_name_the_file_and_the_fix() {
        let err = |options: NsdOptions| {
            load_subject(&root(), &options, &mut |_, _| true)
                .unwrap_err()
                .to_string()
        };
        let e = err(NsdOptions { subject: 9, ..tiny() });
        assert!(
            e.contains("nsd_expdesign.mat: the design lists 8 subjects, not subject 9"),
            "{e}"
        );
        let e = err(NsdOptions {
            trials_per_session: 30,
            ..tiny()
        });
        assert!(
            e.contains("betas_session01.nii.gz: 20 trials, but the design gives session 1 30"),
            "{e}"
        );
        let e = err(NsdOptions {
            trials_per_session: 750,
            ..tiny()
        });
        assert!(
            e.contains("nsd_expdesign.mat: 60 trials, fewer than one session of 750"),
            "{e}"
        );
        let e = err(NsdOptions {
            sessions: vec![4],
            ..tiny()
        });
        assert!(e.contains("the design has no trials for this session"), "{e}");
        let e = err(NsdOptions { subject: 3, ..tiny() });
        assert!(e.contains("no betas file") && e.contains("subj03"), "{e}");
        let stopped = load_subject(&root(), &tiny(), &mut |done, _| done < 2)
            .unwrap_err()
            .to_string();
        assert!(stopped.contains("after 2 of the sessions"), "{stopped}");
    }
}
