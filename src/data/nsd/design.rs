//! `nsd_expdesign.mat`, NSD's experimental design (MATLAB v5), read with the `matfile` crate.

use std::path::{Path, PathBuf};

use super::NsdError;
use crate::data::formats::budget;

/// The design's largest file is a few MB; anything far larger is not NSD's design.
const MAX_DESIGN_BYTES: u64 = 256 << 20;

/// Sessions of the first public release (subjects 1, 2, 5 and 7 completed 40; the last 3 were
/// held back at first). The shared images shown in these are the older "982" test set.
pub const FIRST_RELEASE_SESSIONS: usize = 37;

/// NSD's design: which image every trial showed, per subject.
///
/// In the file, `masterordering` (1 × trials) holds 1-based indices into a subject's image list,
/// `subjectim` (8 × 10,000) the 1-based 73k ids of each subject's images, and `sharedix`
/// (1 × 1,000) the 1-based 73k ids of the images every subject saw. Here every id is 0-based, as
/// `nsdId` in `nsd_stim_info_merged.csv` and the first axis of `imgBrick`.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nsd::ExpDesign;
/// let design = ExpDesign::read(Path::new("tests/data/nsd/nsddata/experiments/nsd/nsd_expdesign.mat"))?;
/// assert_eq!((design.trials(), design.subjects()), (60, 8));
/// assert_eq!(design.shared(), &[3, 8, 15, 22, 30, 37]);
/// assert_eq!(&design.trial_images(1)?[..3], &[22, 4, 14]);
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExpDesign {
    master_ordering: Vec<usize>,
    subject_images: Vec<Vec<usize>>,
    shared: Vec<usize>,
    path: PathBuf,
}

impl ExpDesign {
    /// Reads `nsd_expdesign.mat`.
    pub fn read(path: &Path) -> Result<Self, NsdError> {
        let io = |e: std::io::Error| NsdError::Io {
            path: path.to_path_buf(),
            detail: format!("{e} (NSD has it at nsddata/experiments/nsd/nsd_expdesign.mat)"),
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_DESIGN_BYTES {
            return Err(NsdError::OverBudget {
                path: path.to_path_buf(),
                budget: budget::OverBudget {
                    what: "an NSD design file".into(),
                    bytes: Some(len),
                    budget: MAX_DESIGN_BYTES,
                },
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let format = |detail: String| NsdError::Format {
            path: path.to_path_buf(),
            detail,
        };
        // matfile indexes with its own arithmetic; a damaged file must not take the process down.
        let parsed = std::panic::catch_unwind(|| matfile::MatFile::parse(bytes.as_slice()))
            .map_err(|_| format("not a readable MATLAB v5 file (the reader gave up)".into()))?
            .map_err(|e| {
                format(format!(
                    "not a MATLAB v5 file: {e}; NSD's design is MATLAB v5, not v7.3/HDF5"
                ))
            })?;
        let variable = |name: &str| -> Result<(Vec<usize>, Vec<f64>), NsdError> {
            let array = parsed
                .find_by_name(name)
                .ok_or_else(|| format(format!("no numeric variable `{name}`; is this nsd_expdesign.mat?")))?;
            Ok((array.size().clone(), numbers(array.data())))
        };
        let ids = |name: &str, values: &[f64]| -> Result<Vec<usize>, NsdError> {
            values
                .iter()
                .map(|&v| {
                    if v >= 1.0 && v.fract() == 0.0 && v < 1e9 {
                        Ok(v as usize - 1)
                    } else {
                        Err(format(format!("`{name}` holds {v}, not a 1-based index")))
                    }
                })
                .collect()
        };
        let (_, ordering) = variable("masterordering")?;
        let master_ordering = ids("masterordering", &ordering)?;
        let (size, subjectim) = variable("subjectim")?;
        let [rows, cols] = size.as_slice() else {
            return Err(format(format!("`subjectim` is {size:?}, not subjects × images")));
        };
        let flat = ids("subjectim", &subjectim)?;
        // Column-major: entry (r, c) is at r + rows * c.
        let subject_images: Vec<Vec<usize>> = (0..*rows)
            .map(|r| (0..*cols).map(|c| flat[r + rows * c]).collect())
            .collect();
        if let Some(&bad) = master_ordering.iter().find(|&&i| i >= *cols) {
            return Err(format(format!(
                "`masterordering` holds {}, but subjects have {cols} images",
                bad + 1
            )));
        }
        let (_, shared) = variable("sharedix")?;
        let shared = ids("sharedix", &shared)?;
        Ok(Self {
            master_ordering,
            subject_images,
            shared,
            path: path.to_path_buf(),
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Trials in the design (30,000 in NSD: 40 sessions × 750).
    pub fn trials(&self) -> usize {
        self.master_ordering.len()
    }

    /// Subjects in the design (8 in NSD).
    pub fn subjects(&self) -> usize {
        self.subject_images.len()
    }

    /// The shared images (0-based 73k ids).
    pub fn shared(&self) -> &[usize] {
        &self.shared
    }

    /// The 0-based 73k id shown at every trial of `subject` (1-based, as NSD numbers them), in
    /// trial order across sessions.
    pub fn trial_images(&self, subject: usize) -> Result<Vec<usize>, NsdError> {
        let images = subject
            .checked_sub(1)
            .and_then(|s| self.subject_images.get(s))
            .ok_or_else(|| NsdError::SubjectNotInDesign {
                path: self.path.clone(),
                subject,
                subjects: self.subjects(),
            })?;
        Ok(self.master_ordering.iter().map(|&i| images[i]).collect())
    }

    /// The shared images `subject` saw in its first `sessions` sessions of `trials_per_session`
    /// trials each, sorted: the older test set when `sessions` is [`FIRST_RELEASE_SESSIONS`].
    pub fn shared_seen(
        &self,
        subject: usize,
        sessions: usize,
        trials_per_session: usize,
    ) -> Result<Vec<usize>, NsdError> {
        let shown = self.trial_images(subject)?;
        let limit = sessions.saturating_mul(trials_per_session).min(shown.len());
        let shared: std::collections::BTreeSet<usize> = self.shared.iter().copied().collect();
        let seen: std::collections::BTreeSet<usize> =
            shown[..limit].iter().copied().filter(|i| shared.contains(i)).collect();
        Ok(seen.into_iter().collect())
    }
}

/// Any numeric MATLAB array as `f64` (real part).
fn numbers(data: &matfile::NumericData) -> Vec<f64> {
    use matfile::NumericData as N;
    match data {
        N::Double { real, .. } => real.clone(),
        N::Single { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::Int8 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::UInt8 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::Int16 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::UInt16 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::Int32 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::UInt32 { real, .. } => real.iter().map(|&v| f64::from(v)).collect(),
        N::Int64 { real, .. } => real.iter().map(|&v| v as f64).collect(),
        N::UInt64 { real, .. } => real.iter().map(|&v| v as f64).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design() -> ExpDesign {
        ExpDesign::read(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/nsd/nsddata/experiments/nsd/nsd_expdesign.mat"
        )))
        .unwrap()
    }

    #[test]
    fn the_design_reads_as_scipy_wrote_it() {
        // make_nsd.py --dump: masterordering[:8] = 4 9 13 14 15 17 11 16 (1-based), subjectim row 1 =
        // 4 9 16 23 31 38 2 3 ..., sharedix = 4 9 16 23 31 38.
        let d = design();
        assert_eq!(d.master_ordering[..8], [3, 8, 12, 13, 14, 16, 10, 15]);
        assert_eq!(d.subject_images[0][..8], [3, 8, 15, 22, 30, 37, 1, 2]);
        assert_eq!(d.subject_images[0].len(), 20);
        assert_eq!(d.shared, [3, 8, 15, 22, 30, 37]);
        let shown = d.trial_images(1).unwrap();
        assert_eq!(shown.len(), 60);
        // Trial t shows subjectim[subject, masterordering[t]].
        assert_eq!(shown[0], d.subject_images[0][3]);
    }

    #[test]
    fn shared_images_seen_are_cut_at_the_session_limit() {
        let d = ExpDesign {
            // Two sessions of 3 trials: shared images 10 and 11 appear in session 2 only / both.
            master_ordering: vec![0, 1, 2, 1, 3, 0],
            subject_images: vec![vec![11, 5, 6, 10]],
            shared: vec![10, 11],
            path: "design.mat".into(),
        };
        assert_eq!(d.shared_seen(1, 1, 3).unwrap(), [11]);
        assert_eq!(d.shared_seen(1, 2, 3).unwrap(), [10, 11]);
        assert_eq!(d.shared_seen(1, 40, 3).unwrap(), [10, 11]);
        let err = d.trial_images(2).unwrap_err().to_string();
        assert!(err.contains("lists 1 subjects, not subject 2"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_matlab_is_refused_with_its_name() {
        let err = ExpDesign::read(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/nsd/nsddata/experiments/nsd/nsd_stim_info_merged.csv"
        )))
        .unwrap_err()
        .to_string();
        assert!(err.contains("nsd_stim_info_merged.csv: not a MATLAB v5 file"), "{err}");
    }
}
