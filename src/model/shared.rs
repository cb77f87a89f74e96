//! A shared-subject mapping network (MindEye2's design): one linear input layer per subject maps
//! its voxels into a shared space, and one trunk with its heads (a [`MappingNet`] on that space)
//! serves every subject. A new subject gets its own input layer and borrows the trunk.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::module::linear;
use burn::tensor::{Device, FloatDType, Tensor};
use ndarray::{Array2, ArrayView2, Axis, concatenate};
use serde::{Deserialize, Serialize};

use super::init::Initialiser;
use super::{MappingConfig, MappingNet, MappingSettings, ModelError, Prediction};
use crate::data::Dataset;
use crate::tensors::{from_tensor, to_tensor};

/// One subject's input: its name and voxel count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectInput {
    /// The subject's name, e.g. `subj01`.
    pub name: String,
    /// Its voxels.
    pub voxels: usize,
}

/// The architecture of a shared-subject network.
///
/// ```
/// use brainclip::model::{MappingConfig, SharedConfig, SharedNet, SubjectInput};
/// let trunk = MappingConfig::new(32, 8); // input_dim = the shared width
/// let config = SharedConfig {
///     subjects: vec![SubjectInput { name: "s1".into(), voxels: 50 }, SubjectInput { name: "s2".into(), voxels: 70 }],
///     trunk,
///     seed: 0,
/// };
/// let device = burn::tensor::Device::flex();
/// let net = SharedNet::new(&config, &device)?;
/// let (image, _) = net.predict(ndarray::Array2::zeros((3, 70)).view(), 1, &device)?;
/// assert_eq!(image.dim(), (3, 8));
/// # Ok::<(), brainclip::model::ModelError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedConfig {
    /// The subjects, in input-layer order.
    pub subjects: Vec<SubjectInput>,
    /// The shared trunk; its `input_dim` is the width of the shared space.
    pub trunk: MappingConfig,
    /// Seed of the input layers' initialisation.
    pub seed: u64,
}

impl SharedConfig {
    /// Check the subjects and the trunk.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |expected, found: String| {
            Err(ModelError::InvalidOption {
                option: "subjects",
                expected,
                found,
            })
        };
        if self.subjects.is_empty() {
            return invalid("at least one subject", "none".into());
        }
        if let Some(s) = self.subjects.iter().find(|s| s.voxels == 0) {
            return invalid("subjects with at least one voxel", format!("{} with 0", s.name));
        }
        let mut names: Vec<&str> = self.subjects.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return invalid("distinct subject names", format!("`{}` twice", w[0]));
        }
        self.trunk.validate()
    }

    /// A shared network for `datasets`, one per subject, whose embeddings share one width: the
    /// subjects named `names` (by default each dataset's first subject, else `s1`, `s2`, ...) and
    /// a trunk from `shared_width` to that width built with `trunk`.
    ///
    /// ```
    /// use brainclip::data::{SyntheticConfig, synthetic::generate};
    /// use brainclip::model::{MappingSettings, SharedConfig};
    /// let a = generate(&SyntheticConfig { n_voxels: 40, embedding_dim: 16, subject: 1, ..Default::default() })?;
    /// let b = generate(&SyntheticConfig { n_voxels: 60, embedding_dim: 16, subject: 2, ..Default::default() })?;
    /// let net = SharedConfig::for_datasets(&[&a.train, &b.train], None, 32, &MappingSettings::default(), 7)?;
    /// assert_eq!((net.subjects[1].voxels, net.trunk.input_dim, net.trunk.output_dim), (60, 32, 16));
    /// let named = SharedConfig::for_datasets(&[&a.train], Some(vec!["x".into(), "y".into()]), 32, &MappingSettings::default(), 7);
    /// assert_eq!(named.unwrap_err().to_string(), "subjects must be one name per dataset, got 2 names");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_datasets(
        datasets: &[&Dataset],
        names: Option<Vec<String>>,
        shared_width: usize,
        trunk: &MappingSettings,
        seed: u64,
    ) -> Result<Self, ModelError> {
        let width = super::config::embedding_width;
        let Some(first) = datasets.first() else {
            return Err(ModelError::InvalidOption {
                option: "datasets",
                expected: "at least one Dataset",
                found: "none".into(),
            });
        };
        let dim = width(first)?;
        for d in datasets {
            if width(d)? != dim {
                return Err(ModelError::InvalidOption {
                    option: "datasets",
                    expected: "of one embedding width",
                    found: format!("`{}` of width {}, the first of {dim}", d.name(), width(d)?),
                });
            }
        }
        let names = names.unwrap_or_else(|| {
            let default =
                |(k, d): (usize, &&Dataset)| d.subjects().first().cloned().unwrap_or_else(|| format!("s{}", k + 1));
            datasets.iter().enumerate().map(default).collect()
        });
        if names.len() != datasets.len() {
            return Err(ModelError::InvalidOption {
                option: "subjects",
                expected: "one name per dataset",
                found: format!("{} names", names.len()),
            });
        }
        let subjects = names
            .into_iter()
            .zip(datasets)
            .map(|(name, d)| SubjectInput {
                name,
                voxels: d.n_voxels(),
            })
            .collect();
        let config = SharedConfig {
            subjects,
            trunk: trunk.config(shared_width, dim),
            seed,
        };
        config.validate()?;
        Ok(config)
    }

    /// The index of subject `name`.
    pub fn subject_index(&self, name: &str) -> Option<usize> {
        self.subjects.iter().position(|s| s.name == name)
    }
}

/// The per-subject input layers.
#[derive(Module, Debug)]
pub struct SubjectLayers {
    layers: Vec<Linear>,
}

/// Subject input layers and the shared trunk.
#[derive(Module, Debug)]
pub struct SharedNet {
    /// One input layer per subject.
    pub inputs: SubjectLayers,
    /// The shared trunk and heads.
    pub trunk: MappingNet,
}

impl SharedNet {
    /// Seeded input layers and trunk on `device`.
    pub fn new(config: &SharedConfig, device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let mut init = Initialiser::new(config.seed, device);
        let width = config.trunk.input_dim;
        Ok(Self {
            inputs: SubjectLayers {
                layers: config.subjects.iter().map(|s| init.linear(s.voxels, width)).collect(),
            },
            trunk: MappingNet::new(&config.trunk, device)?,
        })
    }

    /// The same network with one more subject's input layer, seeded by `seed` (for fine-tuning
    /// on a new subject).
    pub fn with_subject(mut self, voxels: usize, seed: u64, device: &Device) -> Self {
        let width = self.trunk.input_dim();
        self.inputs
            .layers
            .push(Initialiser::new(seed, device).linear(voxels, width));
        self
    }

    /// Subject `subject`'s input layer.
    pub(crate) fn input_layer(&self, subject: usize) -> &Linear {
        &self.inputs.layers[subject]
    }

    /// Voxels subject `subject` has.
    pub fn voxels(&self, subject: usize) -> Option<usize> {
        self.inputs.layers.get(subject).map(|l| l.weight.dims()[0])
    }

    /// Forward pass of subject `subject`'s batch (matrix products in `compute`, as
    /// [`MappingNet::forward_in`]).
    pub fn forward_in(&self, fmri: Tensor<2>, subject: usize, compute: Option<FloatDType>) -> Prediction {
        let layer = &self.inputs.layers[subject];
        let shared = match compute {
            None => layer.forward(fmri),
            Some(dtype) => linear(
                fmri.cast(dtype),
                layer.weight.val().cast(dtype),
                layer.bias.as_ref().map(|b| b.val().cast(dtype)),
            )
            .cast(FloatDType::F32),
        };
        self.trunk.forward_in(shared, compute)
    }

    /// Image- and text-head embeddings of subject `subject`'s fMRI, in evaluation mode.
    pub fn predict(
        &self,
        fmri: ArrayView2<f32>,
        subject: usize,
        device: &Device,
    ) -> Result<(Array2<f32>, Array2<f32>), ModelError> {
        let voxels = self.voxels(subject).ok_or(ModelError::DimensionMismatch {
            what: "subject index",
            expected: self.inputs.layers.len(),
            found: subject,
        })?;
        if fmri.ncols() != voxels {
            return Err(ModelError::DimensionMismatch {
                what: "number of voxels",
                expected: voxels,
                found: fmri.ncols(),
            });
        }
        let net = self.valid();
        let device = device.clone().inner();
        let (mut images, mut texts) = (Vec::new(), Vec::new());
        for chunk in fmri.axis_chunks_iter(Axis(0), 256) {
            let out = net.forward_in(to_tensor(chunk, &device), subject, None);
            images.push(from_tensor(out.image));
            texts.push(from_tensor(out.text));
        }
        let stack = |parts: Vec<Array2<f32>>| {
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            concatenate(Axis(0), &views).map_err(|e| ModelError::Numerical(e.to_string()))
        };
        if images.is_empty() {
            let d = net.trunk.image_head_weights().ncols();
            return Ok((Array2::zeros((0, d)), Array2::zeros((0, d))));
        }
        Ok((stack(images)?, stack(texts)?))
    }
}
