//! What every fMRI → embedding model offers evaluation, figures and generation: predictions for
//! both of BrainCLIP's targets, the image head's and the text head's.

use ndarray::{Array2, ArrayView2};

use super::{ModelError, RidgeModel};

/// A decoder's predictions for a set of samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// Embeddings to compare with image embeddings (samples × dim).
    pub image: Array2<f32>,
    /// Embeddings to compare with text embeddings (samples × dim).
    pub text: Array2<f32>,
}

/// Anything that maps fMRI to CLIP embeddings: trained mapping networks and ridge fits.
///
/// ```
/// use brainclip::model::{Decoder, RidgeConfig, RidgeModel};
/// use ndarray::array;
/// let x = array![[1.0_f32, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]];
/// let y = array![[1.0_f32], [2.0], [3.0], [4.0]];
/// let ridge = RidgeModel::fit(x.view(), y.view(), &RidgeConfig { alphas: vec![1e-3], folds: 2, ..Default::default() })?;
/// let decoded = ridge.decode(x.view())?;
/// assert_eq!(decoded.image, decoded.text, "one ridge fit serves both heads");
/// # Ok::<(), brainclip::model::ModelError>(())
/// ```
pub trait Decoder {
    /// Predict for every row of `fmri` (samples × voxels).
    fn decode(&self, fmri: ArrayView2<f32>) -> Result<Decoded, ModelError>;
}

impl Decoder for RidgeModel {
    fn decode(&self, fmri: ArrayView2<f32>) -> Result<Decoded, ModelError> {
        let prediction = self.predict(fmri)?;
        Ok(Decoded {
            image: prediction.clone(),
            text: prediction,
        })
    }
}
