//! One session of single-trial betas, masked volume by volume: from `betas_sessionNN.nii.gz`
//! (x, y, z, trial) or `betas_sessionNN.hdf5` (`betas`: trial, z, y, x, as MATLAB writes it, so a
//! volume's bytes are in the NIfTI's x-fastest order in both).

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::NsdError;
use crate::data::bdata::hdf5::H5File;
use crate::data::nifti::{Mask, VolumeStream};

/// How a session's betas are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BetasFormat {
    /// `betas_sessionNN.nii.gz`.
    Nifti,
    /// `betas_sessionNN.hdf5`.
    Hdf5,
}

impl BetasFormat {
    /// The file name of session `session` (1-based).
    pub fn file_name(self, session: usize) -> String {
        match self {
            BetasFormat::Nifti => format!("betas_session{session:02}.nii.gz"),
            BetasFormat::Hdf5 => format!("betas_session{session:02}.hdf5"),
        }
    }
}

/// The betas of one session under a mask: trials × voxels, divided by `scale` (NSD stores
/// int16 = 300 × percent signal change). The file must hold `trials` trials on the mask's grid.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{mask_from_atlas, read_image};
/// use brainclip::data::nsd::{BetasFormat, read_session};
/// let nsd = Path::new("tests/data/nsd");
/// let roi = read_image(&nsd.join("nsddata/ppdata/subj01/func1pt8mm/roi/nsdgeneral.nii.gz"))?;
/// let mask = mask_from_atlas(&roi, &[1])?;
/// let dir = nsd.join("nsddata_betas/ppdata/subj01/func1pt8mm/betas_fithrf_GLMdenoise_RR");
/// let nifti = read_session(&dir.join("betas_session01.nii.gz"), BetasFormat::Nifti, &mask, 300.0, 20, 1)?;
/// let hdf5 = read_session(&dir.join("betas_session01.hdf5"), BetasFormat::Hdf5, &mask, 300.0, 20, 1)?;
/// assert_eq!(nifti.dim(), (20, 13));
/// assert_eq!(nifti, hdf5);
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
pub fn read_session(
    path: &Path,
    format: BetasFormat,
    mask: &Mask,
    scale: f32,
    trials: usize,
    session: usize,
) -> Result<Array2<f32>, NsdError> {
    let mismatch = |found: usize| NsdError::SessionMismatch {
        path: path.to_path_buf(),
        session,
        expected: trials,
        found,
        hint: "check that the file is this session's, and trials_per_session (750 in NSD)",
    };
    let grid_mismatch = |betas: [usize; 3]| NsdError::GridMismatch {
        roi_path: PathBuf::from(mask.source()),
        roi: mask.shape(),
        betas_path: path.to_path_buf(),
        betas,
    };
    let mut out = Array2::zeros((trials, mask.len()));
    let mut pick = |t: usize, volume: &[f32]| {
        for (o, &i) in out.row_mut(t).iter_mut().zip(mask.indices()) {
            *o = volume[i] / scale;
        }
    };
    match format {
        BetasFormat::Nifti => {
            let mut stream = VolumeStream::open(path)?;
            if stream.grid() != mask.shape() {
                return Err(grid_mismatch(stream.grid()));
            }
            if stream.volumes() != trials {
                return Err(mismatch(stream.volumes()));
            }
            let mut volume = Vec::new();
            let mut t = 0;
            while stream.next_volume(&mut volume)? {
                pick(t, &volume);
                t += 1;
            }
        }
        BetasFormat::Hdf5 => {
            let h5 = H5File::open(path).map_err(|e| hdf5_error(path, e))?;
            let array = h5
                .array("betas")
                .map_err(|e| hdf5_error(path, e))?
                .ok_or_else(|| NsdError::Format {
                    path: path.to_path_buf(),
                    detail: "no dataset `betas`; NSD's HDF5 betas hold one (trials × z × y × x)".into(),
                })?;
            let &[n, z, y, x] = array.shape() else {
                return Err(NsdError::Format {
                    path: path.to_path_buf(),
                    detail: format!("`betas` is {:?}, not trials × z × y × x", array.shape()),
                });
            };
            if [x, y, z] != mask.shape() {
                return Err(grid_mismatch([x, y, z]));
            }
            if n != trials {
                return Err(mismatch(n));
            }
            for t in 0..n {
                let stored: Vec<i16> = array.read_entry(t).map_err(|e| hdf5_error(path, e))?;
                let volume: Vec<f32> = stored.into_iter().map(f32::from).collect();
                pick(t, &volume);
            }
        }
    }
    Ok(out)
}

fn hdf5_error(path: &Path, e: crate::data::bdata::BDataError) -> NsdError {
    NsdError::Format {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}
