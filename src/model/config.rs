use serde::{Deserialize, Serialize};

use super::ModelError;
use crate::data::{DataError, Dataset};

/// The shape of the mapping network's trunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    /// fMRI → embedding by one linear map per head.
    Linear,
    /// Fully connected layers of the given widths, each followed by GELU and dropout.
    Mlp {
        /// Hidden layer widths, input side first.
        hidden: Vec<usize>,
    },
    /// A linear stem to `width`, then `blocks` pre-LayerNorm residual blocks
    /// `x + Dropout(GELU(Linear(LayerNorm(x))))`, then a final LayerNorm (as in MindEye's backbone).
    Residual {
        /// Width of the residual stream.
        width: usize,
        /// Number of residual blocks.
        blocks: usize,
    },
}

/// Whether image and text targets share one output head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HeadMode {
    /// One head: the same embedding is compared with image and text targets.
    Shared,
    /// One head for the image target and one for the text target.
    Separate,
}

/// The trunk architectures by the names scripts choose them with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArchitectureKind {
    /// [`Architecture::Residual`].
    Residual,
    /// [`Architecture::Mlp`].
    Mlp,
    /// [`Architecture::Linear`].
    Linear,
}

/// What a script asks `mapping_net` for: the architecture by name with the sizes of each (those of
/// another architecture are ignored), dropout, heads and seed; the data decide the input and
/// output widths ([`MappingSettings::config`]). The defaults are [`MappingConfig::new`]'s, with
/// one hidden layer of 1024 for an MLP.
///
/// ```
/// use brainclip::model::{Architecture, ArchitectureKind, MappingConfig, MappingSettings};
/// let mlp = MappingSettings { arch: ArchitectureKind::Mlp, hidden: vec![32], ..Default::default() };
/// let cfg = mlp.config(70, 16);
/// assert_eq!(cfg.architecture, Architecture::Mlp { hidden: vec![32] });
/// assert_eq!((cfg.input_dim, cfg.output_dim, cfg.dropout), (70, 16, 0.5));
/// assert_eq!(MappingSettings::default().config(70, 16), MappingConfig::new(70, 16));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MappingSettings {
    /// The trunk architecture.
    pub arch: ArchitectureKind,
    /// Residual stream width (residual).
    #[schemars(range(min = 1, max = 65_536))]
    pub width: usize,
    /// Residual blocks (residual).
    #[schemars(range(max = 64))]
    pub blocks: usize,
    /// Hidden layer widths, input side first (mlp).
    #[schemars(inner(range(min = 1)))]
    pub hidden: Vec<usize>,
    /// Dropout probability in the trunk, in [0, 1).
    pub dropout: f64,
    /// separate: one head per target; shared: one head for both.
    pub heads: HeadMode,
    /// Seed of the weight initialisation.
    pub seed: u64,
}

impl Default for MappingSettings {
    fn default() -> Self {
        let d = MappingConfig::new(0, 0);
        let (width, blocks) = match d.architecture {
            Architecture::Residual { width, blocks } => (width, blocks),
            _ => (512, 2),
        };
        Self {
            arch: ArchitectureKind::Residual,
            width,
            blocks,
            hidden: vec![1024],
            dropout: d.dropout,
            heads: d.heads,
            seed: d.seed,
        }
    }
}

impl MappingSettings {
    /// The network from `data`'s voxels to its embedding width, checked.
    ///
    /// ```
    /// use brainclip::data::{SyntheticConfig, synthetic::generate};
    /// use brainclip::model::MappingSettings;
    /// let god = generate(&SyntheticConfig { n_voxels: 40, embedding_dim: 16, ..Default::default() })?;
    /// let net = MappingSettings::default().for_dataset(&god.train)?;
    /// assert_eq!((net.input_dim, net.output_dim), (40, 16));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_dataset(&self, data: &Dataset) -> Result<MappingConfig, ModelError> {
        let config = self.config(data.n_voxels(), embedding_width(data)?);
        config.validate()?;
        Ok(config)
    }

    /// The network for `input_dim` voxels and `output_dim`-wide embeddings (not yet validated:
    /// see [`MappingConfig::validate`]).
    pub fn config(&self, input_dim: usize, output_dim: usize) -> MappingConfig {
        let architecture = match self.arch {
            ArchitectureKind::Linear => Architecture::Linear,
            ArchitectureKind::Mlp => Architecture::Mlp {
                hidden: self.hidden.clone(),
            },
            ArchitectureKind::Residual => Architecture::Residual {
                width: self.width,
                blocks: self.blocks,
            },
        };
        MappingConfig {
            architecture,
            dropout: self.dropout,
            heads: self.heads,
            seed: self.seed,
            ..MappingConfig::new(input_dim, output_dim)
        }
    }
}

/// Everything needed to build a [`super::MappingNet`]; saved with the results.
///
/// ```
/// use brainclip::model::{Architecture, MappingConfig};
/// let cfg = MappingConfig::new(4500, 512);
/// assert!(matches!(cfg.architecture, Architecture::Residual { .. }));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingConfig {
    /// Number of voxels.
    pub input_dim: usize,
    /// Embedding width D.
    pub output_dim: usize,
    /// Trunk architecture.
    pub architecture: Architecture,
    /// Dropout probability in the trunk.
    pub dropout: f64,
    /// Shared or separate heads.
    pub heads: HeadMode,
    /// Seed of the weight initialisation.
    pub seed: u64,
}

/// `4500 voxels → 512 (residual MLP (width 512, 2 blocks), dropout 0.3, Both heads)`.
impl std::fmt::Display for MappingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arch = match &self.architecture {
            Architecture::Linear => "linear".to_string(),
            Architecture::Mlp { hidden } => format!("MLP {hidden:?}"),
            Architecture::Residual { width, blocks } => format!("residual MLP (width {width}, {blocks} blocks)"),
        };
        write!(
            f,
            "{} voxels → {} ({arch}, dropout {}, {:?} heads)",
            self.input_dim, self.output_dim, self.dropout, self.heads
        )
    }
}

impl MappingConfig {
    /// The default network for `input_dim` voxels and `output_dim`-wide embeddings: a residual
    /// MLP of width 512 with two blocks, dropout 0.5 and separate heads.
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        Self {
            input_dim,
            output_dim,
            architecture: Architecture::Residual { width: 512, blocks: 2 },
            dropout: 0.5,
            heads: HeadMode::Separate,
            seed: 0,
        }
    }

    /// Reject every value burn would panic on, before any tensor is made.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |option, expected, found: String| {
            Err(ModelError::InvalidOption {
                option,
                expected,
                found,
            })
        };
        if self.input_dim == 0 {
            return invalid("input_dim", "at least 1", "0".into());
        }
        if self.output_dim == 0 {
            return invalid("output_dim", "at least 1", "0".into());
        }
        if !(self.dropout.is_finite() && (0.0..1.0).contains(&self.dropout)) {
            return invalid("dropout", "in [0, 1)", self.dropout.to_string());
        }
        match &self.architecture {
            Architecture::Linear => {}
            Architecture::Mlp { hidden } => {
                if hidden.is_empty() || hidden.iter().any(|&w| w == 0 || w > 65_536) {
                    return invalid(
                        "hidden",
                        "a non-empty list of widths between 1 and 65536",
                        format!("{hidden:?}"),
                    );
                }
            }
            Architecture::Residual { width, blocks } => {
                if !(1..=65_536).contains(width) {
                    return invalid("width", "between 1 and 65536", width.to_string());
                }
                if *blocks > 64 {
                    return invalid("blocks", "at most 64", blocks.to_string());
                }
            }
        }
        Ok(())
    }
}

/// The embedding width a network for `data` maps to, or an error naming the dataset.
pub(crate) fn embedding_width(data: &Dataset) -> Result<usize, ModelError> {
    data.embedding_dim().ok_or_else(|| {
        ModelError::Data(DataError::MissingField {
            dataset: data.name().to_string(),
            field: "embeddings to map to",
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_rejected_before_burn_sees_them() {
        let mut cfg = MappingConfig::new(10, 4);
        cfg.dropout = 1.0;
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("dropout must be in [0, 1)")
        );
        cfg.dropout = 0.1;
        cfg.architecture = Architecture::Mlp { hidden: vec![] };
        assert!(cfg.validate().is_err());
        cfg.architecture = Architecture::Residual { width: 0, blocks: 1 };
        assert!(cfg.validate().is_err());
    }
}
