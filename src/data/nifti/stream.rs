//! A 4-D series read one volume at a time: a session of single-trial betas (750 volumes of a
//! whole brain) is masked volume by volume and never held in memory whole.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::datatype::decode_into;
use super::error::NiftiError;
use super::header::{NiftiHeaderInfo, is_gz_path, read_header_from};
use super::inflate::VoxelFormat;
use super::input::Input;

/// An open `.nii`/`.nii.gz` series whose volumes are decoded one by one, scaled by
/// `scl_slope`/`scl_inter`, in the file's voxel order (x fastest).
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{VolumeStream, read_image};
///
/// let mut stream = VolumeStream::open(Path::new("tests/data/nifti/example4d.nii.gz"))?;
/// assert_eq!((stream.grid(), stream.volumes()), ([128, 96, 24], 2));
/// let whole = read_image(Path::new("tests/data/nifti/example4d.nii.gz"))?;
/// let mut volume = Vec::new();
/// assert!(stream.next_volume(&mut volume)?);
/// assert_eq!(volume[5], whole.data[[5, 0, 0, 0]]);
/// assert!(stream.next_volume(&mut volume)? && !stream.next_volume(&mut volume)?);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub struct VolumeStream {
    input: Input<Box<dyn Read>>,
    header: NiftiHeaderInfo,
    format: VoxelFormat,
    grid: [usize; 3],
    volumes: usize,
    next: usize,
    bytes: Vec<u8>,
    data_offset: usize,
}

impl VolumeStream {
    /// Opens `path` (gzip-compressed when it ends in `.gz`) and reads its header; a 3-D image is a
    /// series of one volume.
    pub fn open(path: &Path) -> Result<Self, NiftiError> {
        let source_name = path.display().to_string();
        let file = File::open(path).map_err(|error| NiftiError::Io {
            source_name: source_name.clone(),
            error,
        })?;
        let gz = is_gz_path(path);
        let reader: Box<dyn Read> = if gz {
            Box::new(flate2::bufread::MultiGzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        let mut input = Input::new(reader, gz, &source_name);
        let parsed = read_header_from(&mut input)?;
        let datatype = parsed.supported_datatype(&source_name)?;
        let (grid, volumes) = match parsed.info.shape.as_slice() {
            [x, y, z] => ([*x, *y, *z], 1),
            [x, y, z, t] => ([*x, *y, *z], *t),
            shape => {
                return Err(NiftiError::WrongDimensionality {
                    source_name,
                    expected: "a 3-D image or a 4-D series",
                    shape: shape.to_vec(),
                });
            }
        };
        let volume_bytes = grid
            .iter()
            .try_fold(datatype.size(), |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| {
                super::header::corrupt(&source_name, "dim", "a volume that fits in memory", format!("{grid:?}"))
            })?;
        super::budget::check_bytes(Some(volume_bytes as u64 * 4 / datatype.size() as u64), || {
            format!("one volume of {grid:?}")
        })
        .map_err(|budget| NiftiError::OverBudget {
            source_name: source_name.clone(),
            budget,
        })?;
        let data_offset = parsed.data_offset;
        Ok(Self {
            input,
            format: VoxelFormat {
                datatype,
                big_endian: parsed.big_endian,
                scaling: parsed.scaling,
            },
            header: parsed.info,
            grid,
            volumes,
            next: 0,
            bytes: vec![0; volume_bytes],
            data_offset,
        })
    }

    /// What the header says.
    pub fn header(&self) -> &NiftiHeaderInfo {
        &self.header
    }

    /// The grid `[nx, ny, nz]`.
    pub fn grid(&self) -> [usize; 3] {
        self.grid
    }

    /// How many volumes the header announces.
    pub fn volumes(&self) -> usize {
        self.volumes
    }

    /// Replaces `out` with the next volume's values; `false` after the last volume. A file that
    /// ends inside a volume is [`NiftiError::DataSize`].
    pub fn next_volume(&mut self, out: &mut Vec<f32>) -> Result<bool, NiftiError> {
        if self.next == self.volumes {
            return Ok(false);
        }
        let got = self.input.fill(&mut self.bytes)?;
        if got < self.bytes.len() {
            let per_volume = self.bytes.len();
            return Err(NiftiError::DataSize {
                source_name: self.input.source_name().to_owned(),
                shape: self.header.shape.clone(),
                datatype: self.header.datatype.clone(),
                offset: self.data_offset,
                expected: per_volume * self.volumes,
                found: per_volume * self.next + got,
            });
        }
        out.clear();
        let f = self.format;
        decode_into(&self.bytes, f.datatype, f.big_endian, f.scaling, out);
        self.next += 1;
        Ok(true)
    }
}
