//! Moving matrices between ndarray (host, where data and metrics live) and burn tensors (device),
//! and the row normalisation the losses and the CLIP encoders share.

use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array2, ArrayView2};

/// Copy a host matrix onto `device` as a 2-D float tensor.
///
/// ```
/// use brainclip::tensors::{from_tensor, to_tensor};
/// let m = ndarray::array![[1.0f32, 2.0], [3.0, 4.0]];
/// let t = to_tensor(m.view(), &burn::tensor::Device::flex());
/// assert_eq!(from_tensor(t), m);
/// ```
pub fn to_tensor(matrix: ArrayView2<f32>, device: &Device) -> Tensor<2> {
    let shape = [matrix.nrows(), matrix.ncols()];
    let values: Vec<f32> = matrix.iter().copied().collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Copy a 2-D float tensor back to the host.
pub fn from_tensor(tensor: Tensor<2>) -> Array2<f32> {
    let [rows, cols] = tensor.dims();
    let values = tensor
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap_or_else(|e| unreachable!("a float tensor converts to f32: {e:?}"));
    Array2::from_shape_vec((rows, cols), values)
        .unwrap_or_else(|e| unreachable!("tensor data has the tensor's shape: {e}"))
}

/// A scalar (1-element) tensor as `f64`.
pub fn scalar(tensor: Tensor<1>) -> f64 {
    tensor.into_scalar::<f32>() as f64
}

/// Added to squared row norms so that rows of zeros stay finite.
const NORM_EPS: f32 = 1e-8;

/// Rows scaled to unit L2 norm (rows of zeros stay finite).
///
/// ```
/// use brainclip::tensors::{from_tensor, l2_normalize, to_tensor};
/// let m = ndarray::array![[3.0f32, 4.0], [0.0, 0.0]];
/// let unit = from_tensor(l2_normalize(to_tensor(m.view(), &burn::tensor::Device::flex())));
/// assert!((unit[[0, 0]] - 0.6).abs() < 1e-6 && (unit[[0, 1]] - 0.8).abs() < 1e-6);
/// assert_eq!(unit[[1, 0]], 0.0);
/// ```
pub fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().powf_scalar(2.0).sum_dim(1).add_scalar(NORM_EPS).sqrt();
    x / norm
}
