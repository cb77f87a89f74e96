//! Moving matrices between ndarray (host, where data and metrics live) and burn tensors (device).

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
