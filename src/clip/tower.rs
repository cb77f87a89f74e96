//! Building a tower's encoder from Hugging Face tensor names
//! (`{prefix}.encoder.layers.{i}.self_attn.q_proj`, `layer_norm1`, `mlp.fc1`, ...).

use super::config::TowerConfig;
use super::layers::{Attention, Block, Encoder};
use crate::weights::TensorStore;

/// Load `tower.layers` blocks under `{prefix}.encoder.layers`.
pub(crate) fn load_encoder(store: &mut TensorStore, prefix: &str, tower: &TowerConfig) -> Encoder {
    let (w, m, eps) = (tower.width, tower.mlp_width, tower.layer_norm_eps);
    let blocks = (0..tower.layers)
        .map(|i| {
            let p = format!("{prefix}.encoder.layers.{i}");
            let proj = |store: &mut TensorStore, name: &str| store.linear(&format!("{p}.self_attn.{name}"), w, w, true);
            let attention = Attention::new(
                proj(store, "q_proj"),
                proj(store, "k_proj"),
                proj(store, "v_proj"),
                proj(store, "out_proj"),
                tower.heads,
            );
            Block::new(
                store.layer_norm(&format!("{p}.layer_norm1"), w, eps),
                attention,
                store.layer_norm(&format!("{p}.layer_norm2"), w, eps),
                (
                    store.linear(&format!("{p}.mlp.fc1"), w, m, true),
                    store.linear(&format!("{p}.mlp.fc2"), m, w, true),
                ),
                tower.activation,
            )
        })
        .collect();
    Encoder { blocks }
}
