//! The CLIP text tower: token and positional embeddings, causally masked residual attention
//! blocks, final LayerNorm, features at the end-of-text token.

use burn::module::{Module, Param};
use burn::nn::LayerNorm;
use burn::tensor::{Bool, Int, Tensor, TensorData};

use super::ClipError;
use super::config::{TextConfig, TextPooling};
use super::layers::Encoder;
use super::tower::load_encoder;
use crate::weights::TensorStore;

/// The text tower (without the final projection).
#[derive(Module, Debug)]
pub struct TextTower {
    token: Param<Tensor<2>>,
    position: Param<Tensor<2>>,
    encoder: Encoder,
    final_norm: LayerNorm,
    #[module(skip)]
    pooling: TextPooling,
}

/// Where each sequence's features are read: the end-of-text position.
pub fn pooled_positions(ids: &[Vec<u32>], pooling: TextPooling) -> Vec<usize> {
    ids.iter()
        .map(|row| {
            match pooling {
                TextPooling::FirstEos(eos) => row.iter().position(|&t| t == eos),
                TextPooling::ArgMax => None,
            }
            .unwrap_or_else(|| {
                // The first position of the largest id, as torch's argmax.
                let mut best = 0;
                for (i, &t) in row.iter().enumerate() {
                    if t > row[best] {
                        best = i;
                    }
                }
                best
            })
        })
        .collect()
}

impl TextTower {
    /// Load from Hugging Face names under `text_model`.
    pub(crate) fn load(store: &mut TensorStore, c: &TextConfig) -> Self {
        let (w, eps) = (c.tower.width, c.tower.layer_norm_eps);
        Self {
            token: store.param("text_model.embeddings.token_embedding.weight", [c.vocab_size, w]),
            position: store.param("text_model.embeddings.position_embedding.weight", [c.context_length, w]),
            encoder: load_encoder(store, "text_model", &c.tower),
            final_norm: store.layer_norm("text_model.final_layer_norm", w, eps),
            pooling: c.pooling,
        }
    }

    /// Pooled features (batch × width) of token id rows, each `context_length` long.
    pub fn forward(&self, ids: &[Vec<u32>]) -> Result<Tensor<2>, ClipError> {
        let [vocab, width] = self.token.val().dims();
        let [context, _] = self.position.val().dims();
        let b = ids.len();
        if let Some(row) = ids.iter().find(|r| r.len() != context) {
            return Err(ClipError::Shape {
                what: "token ids",
                expected: format!("rows of {context} ids"),
                found: format!("a row of {}", row.len()),
            });
        }
        if let Some(&id) = ids.iter().flatten().find(|&&t| t as usize >= vocab) {
            return Err(ClipError::Shape {
                what: "token ids",
                expected: format!("ids below the vocabulary size {vocab}"),
                found: format!("id {id}"),
            });
        }
        let device = self.token.val().device();
        let flat: Vec<i64> = ids.iter().flatten().map(|&t| t as i64).collect();
        let flat = Tensor::<1, Int>::from_data(TensorData::new(flat, [b * context]), &device);
        let x = self.token.val().select(0, flat).reshape([b, context, width]) + self.position.val().unsqueeze::<3>();
        let causal = Tensor::<2, Bool>::tril_mask([context, context], 0, &device);
        let x = self.final_norm.forward(self.encoder.forward(x, Some(causal)));
        let rows: Vec<i64> = pooled_positions(ids, self.pooling)
            .iter()
            .enumerate()
            .map(|(i, &p)| (i * context + p) as i64)
            .collect();
        let rows = Tensor::<1, Int>::from_data(TensorData::new(rows, [b]), &device);
        Ok(x.reshape([b * context, width]).select(0, rows))
    }
}
