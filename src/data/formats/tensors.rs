//! safetensors files: named tensors of any float or integer dtype, read as `f32`.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{Array2, ArrayD, Ix2, IxDyn};
use safetensors::{Dtype, SafeTensors};
use serde::Serialize;

use super::budget::{check_bytes, element_count};
use super::{FormatError, read_bytes};

/// One tensor's name, dtype and shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorSummary {
    /// Tensor name.
    pub name: String,
    /// safetensors dtype, e.g. `F32`.
    pub dtype: String,
    /// Shape.
    pub shape: Vec<usize>,
}

fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<SafeTensors<'a>, FormatError> {
    SafeTensors::deserialize(bytes).map_err(|e| FormatError::invalid(path, "a safetensors file", e.to_string()))
}

/// The tensors of a file, sorted by name.
pub fn safetensors_summary(path: &Path) -> Result<Vec<TensorSummary>, FormatError> {
    let bytes = read_bytes(path)?;
    let st = parse(path, &bytes)?;
    let mut out: Vec<TensorSummary> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| TensorSummary {
            name,
            dtype: format!("{:?}", view.dtype()),
            shape: view.shape().to_vec(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Read every tensor as `f32`.
pub fn read_tensors(path: &Path) -> Result<BTreeMap<String, ArrayD<f32>>, FormatError> {
    let bytes = read_bytes(path)?;
    let st = parse(path, &bytes)?;
    // Narrow dtypes grow fourfold as f32: the file's size alone does not bound the result.
    let elements = st
        .tensors()
        .iter()
        .try_fold(0u64, |acc, (_, view)| acc.checked_add(element_count(view.shape())?));
    check_bytes(elements.and_then(|n| n.checked_mul(4)), || {
        format!("{} tensors as float32", st.len())
    })
    .map_err(|e| FormatError::over_budget(path, e))?;
    st.tensors()
        .into_iter()
        .map(|(name, view)| Ok((name.clone(), to_f32(path, &name, &view)?)))
        .collect()
}

/// Read every tensor as an `f32` matrix, by name: 2-D tensors as they are, 1-D tensors as one
/// column; a tensor of another rank is an error naming it and its shape.
///
/// ```
/// use brainclip::data::formats::tensors::{f32_safetensors_bytes, read_matrices};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("t.safetensors");
/// let tensors = [("w".into(), vec![2, 2], &[1.0, 2.0, 3.0, 4.0][..]), ("b".into(), vec![3], &[5.0, 6.0, 7.0][..])];
/// std::fs::write(&path, f32_safetensors_bytes(&tensors, None).unwrap()).unwrap();
/// let matrices = read_matrices(&path).unwrap();
/// assert_eq!(matrices["w"], ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(matrices["b"].shape(), [3, 1]);
/// ```
pub fn read_matrices(path: &Path) -> Result<BTreeMap<String, Array2<f32>>, FormatError> {
    read_tensors(path)?
        .into_iter()
        .map(|(name, array)| {
            let shape = array.shape().to_vec();
            let matrix = match shape[..] {
                [n] => array.into_shape_with_order((n, 1)).ok(),
                [_, _] => array.into_dimensionality::<Ix2>().ok(),
                _ => None,
            }
            .ok_or_else(|| {
                FormatError::invalid(
                    path,
                    "1-D and 2-D tensors (they become matrices)",
                    format!("tensor `{name}` of shape {shape:?}"),
                )
            })?;
            Ok((name, matrix))
        })
        .collect()
}

/// Read one named tensor as a matrix.
pub fn read_tensor_matrix(path: &Path, name: &str) -> Result<Array2<f32>, FormatError> {
    let bytes = read_bytes(path)?;
    let st = parse(path, &bytes)?;
    let view = st.tensor(name).map_err(|_| {
        FormatError::invalid(
            path,
            format!("a tensor named `{name}`"),
            format!("tensors {}", st.names().join(", ")),
        )
    })?;
    to_f32(path, name, &view)?.into_dimensionality().map_err(|_| {
        FormatError::invalid(
            path,
            format!("tensor `{name}` of rank 2"),
            format!("shape {:?}", view.shape()),
        )
    })
}

fn to_f32(path: &Path, name: &str, view: &safetensors::tensor::TensorView<'_>) -> Result<ArrayD<f32>, FormatError> {
    let data = view.data();
    macro_rules! le {
        ($t:ty, $n:expr, $conv:expr) => {
            data.chunks_exact($n)
                .map(|c| $conv(<$t>::from_le_bytes(c.try_into().unwrap_or([0; $n]))))
                .collect::<Vec<f32>>()
        };
    }
    let values: Vec<f32> = match view.dtype() {
        Dtype::F32 => le!(f32, 4, |v| v),
        Dtype::F64 => le!(f64, 8, |v| v as f32),
        Dtype::F16 => le!(u16, 2, |v| half::f16::from_bits(v).to_f32()),
        Dtype::BF16 => le!(u16, 2, |v| half::bf16::from_bits(v).to_f32()),
        Dtype::I64 => le!(i64, 8, |v| v as f32),
        Dtype::I32 => le!(i32, 4, |v| v as f32),
        Dtype::I16 => le!(i16, 2, |v| v as f32),
        Dtype::I8 => data.iter().map(|&b| b as i8 as f32).collect(),
        Dtype::U8 => data.iter().map(|&b| b as f32).collect(),
        Dtype::BOOL => data.iter().map(|&b| if b != 0 { 1.0 } else { 0.0 }).collect(),
        other => {
            return Err(FormatError::invalid(
                path,
                format!("a numeric dtype for tensor `{name}`"),
                format!("{other:?}"),
            ));
        }
    };
    ArrayD::from_shape_vec(IxDyn(view.shape()), values)
        .map_err(|e| FormatError::invalid(path, format!("tensor `{name}` data matching its shape"), e.to_string()))
}

/// safetensors bytes holding `f32` matrices under their names, with string metadata.
pub fn safetensors_bytes(
    tensors: &[(&str, &Array2<f32>)],
    metadata: Option<BTreeMap<String, String>>,
) -> Result<Vec<u8>, std::io::Error> {
    // Row-major values whatever the matrices' memory layout.
    let values: Vec<Vec<f32>> = tensors.iter().map(|(_, m)| m.iter().copied().collect()).collect();
    let arrays: Vec<(String, Vec<usize>, &[f32])> = tensors
        .iter()
        .zip(&values)
        .map(|((name, m), v)| (name.to_string(), m.shape().to_vec(), v.as_slice()))
        .collect();
    f32_safetensors_bytes(&arrays, metadata)
}

/// safetensors bytes holding `f32` tensors of any rank, given as (name, shape, row-major values).
///
/// ```
/// use brainclip::data::formats::tensors::f32_safetensors_bytes;
/// let bytes = f32_safetensors_bytes(&[("w".into(), vec![2, 1, 2], &[1.0, 2.0, 3.0, 4.0][..])], None).unwrap();
/// let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
/// assert_eq!(st.tensor("w").unwrap().shape(), [2, 1, 2]);
/// ```
pub fn f32_safetensors_bytes(
    tensors: &[(String, Vec<usize>, &[f32])],
    metadata: Option<BTreeMap<String, String>>,
) -> Result<Vec<u8>, std::io::Error> {
    let buffers: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&buffers)
        .map(|((name, shape, _), bytes)| {
            safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), bytes).map(|v| (name.clone(), v))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(std::io::Error::other)?;
    let metadata = metadata.map(|m| m.into_iter().collect());
    safetensors::serialize(views, metadata).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.safetensors");
        let m = ndarray::array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        std::fs::write(&p, safetensors_bytes(&[("emb", &m)], None).unwrap()).unwrap();
        assert_eq!(read_tensor_matrix(&p, "emb").unwrap(), m);
        let summary = safetensors_summary(&p).unwrap();
        assert_eq!(summary[0].shape, vec![2, 3]);
        assert!(
            read_tensor_matrix(&p, "x")
                .unwrap_err()
                .to_string()
                .contains("tensors emb")
        );
        let cube = f32_safetensors_bytes(&[("cube".into(), vec![1, 1, 2], &[1.0, 2.0][..])], None).unwrap();
        std::fs::write(&p, cube).unwrap();
        let err = read_matrices(&p).unwrap_err().to_string();
        assert!(err.ends_with("found tensor `cube` of shape [1, 1, 2]"), "{err}");
        std::fs::write(&p, b"\x08\0\0\0\0\0\0\0{bad}").unwrap();
        assert!(read_tensors(&p).is_err());
    }
}
