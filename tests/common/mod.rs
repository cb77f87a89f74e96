//! Helpers shared by the integration tests that compare with recorded references.
#![allow(dead_code)] // each test binary uses the part it needs

use std::collections::HashMap;

use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

/// A reference file written by one of the generator scripts: f32 tensors by name, token id rows
/// (the one I64 tensor, if any) and the string metadata.
pub struct Reference {
    pub tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    pub ids: Vec<Vec<u32>>,
    pub metadata: HashMap<String, String>,
}

impl Reference {
    pub fn load(path: &str) -> Self {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut tensors = HashMap::new();
        let mut ids = Vec::new();
        for (name, view) in st.tensors() {
            let shape = view.shape().to_vec();
            match view.dtype() {
                Dtype::F32 => {
                    let v = view
                        .data()
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                        .collect();
                    tensors.insert(name, (shape, v));
                }
                Dtype::I64 => {
                    let v: Vec<u32> = view
                        .data()
                        .chunks_exact(8)
                        .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as u32)
                        .collect();
                    ids = v.chunks(shape[1]).map(<[u32]>::to_vec).collect();
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        Self {
            tensors,
            ids,
            metadata: meta.metadata().clone().unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> &(Vec<usize>, Vec<f32>) {
        &self.tensors[name]
    }

    /// A 4-D tensor (images) on `device`.
    pub fn pixels(&self, name: &str, device: &Device) -> Tensor<4> {
        let (shape, v) = self.get(name);
        Tensor::from_data(
            TensorData::new(v.clone(), [shape[0], shape[1], shape[2], shape[3]]),
            device,
        )
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
