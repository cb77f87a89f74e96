//! Choosing where tensors live: a device string (`cpu`, `cpu:flex`, `cpu:ndarray`, `cuda:0`, `auto`)
//! becomes a burn [`Device`]. burn 0.22 dispatches on the device at run time, so nothing else in
//! brainclip names a backend type.

use std::fmt;

use burn::tensor::Device;
use serde::Serialize;
use thiserror::Error;

/// The burn backends this build can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-flex: pure-Rust CPU backend (gemm, rayon, SIMD).
    Flex,
    /// burn-ndarray: CPU backend on ndarray and matrixmultiply.
    NdArray,
}

impl Backend {
    /// The CPU backend used for `cpu` and `auto`: flex, which trains the default network faster
    /// than ndarray on this workload (see `benches/backends.rs` and the README).
    pub const DEFAULT_CPU: Backend = Backend::Flex;

    /// Lower-case name, as in device strings.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
        }
    }
}

/// A resolved device: the burn device and how it was chosen.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The backend behind the device.
    pub backend: Backend,
    /// The burn device (without autodiff; training enables it).
    pub device: Device,
}

impl ComputeDevice {
    /// The device string that selects this device again, e.g. `cpu:flex`.
    pub fn label(&self) -> String {
        format!("cpu:{}", self.backend.name())
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A device string this build cannot satisfy.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DeviceError {
    /// CUDA was asked for, but this build has only CPU backends.
    #[error("device `{0}` needs CUDA, and this build of brainclip has only the CPU backends (flex, ndarray)")]
    NoCuda(String),
    /// The string is not a device.
    #[error("unknown device `{0}`; use cpu, cpu:flex, cpu:ndarray, cuda[:N] or auto")]
    Unknown(String),
}

impl DeviceError {
    /// A one-line suggestion for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            DeviceError::NoCuda(_) => {
                "run on the CPU with --device cpu; GPU training needs a build with libtorch (see the README's GPU section)"
            }
            DeviceError::Unknown(_) => "e.g. --device cpu",
        }
    }
}

/// Resolve a device string.
///
/// ```
/// use brainclip::device::{resolve, Backend};
/// assert_eq!(resolve("cpu").unwrap().backend, Backend::DEFAULT_CPU);
/// assert_eq!(resolve("cpu:ndarray").unwrap().backend, Backend::NdArray);
/// assert!(resolve("cuda:0").is_err());
/// ```
pub fn resolve(spec: &str) -> Result<ComputeDevice, DeviceError> {
    let spec = spec.trim().to_ascii_lowercase();
    let backend = match spec.as_str() {
        "cpu" | "auto" | "" => Backend::DEFAULT_CPU,
        "cpu:flex" | "flex" => Backend::Flex,
        "cpu:ndarray" | "ndarray" => Backend::NdArray,
        s if s == "cuda" || s == "gpu" || s.starts_with("cuda:") => return Err(DeviceError::NoCuda(spec.clone())),
        _ => return Err(DeviceError::Unknown(spec.clone())),
    };
    Ok(ComputeDevice {
        backend,
        device: cpu_device(backend),
    })
}

/// The default CPU device.
pub fn default_cpu() -> ComputeDevice {
    ComputeDevice {
        backend: Backend::DEFAULT_CPU,
        device: cpu_device(Backend::DEFAULT_CPU),
    }
}

#[allow(deprecated)] // burn 0.22 marks ndarray deprecated in favour of flex; we still offer both.
fn cpu_device(backend: Backend) -> Device {
    match backend {
        Backend::Flex => Device::flex(),
        Backend::NdArray => Device::ndarray(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_strings() {
        assert_eq!(resolve(" CPU:FLEX ").unwrap().label(), "cpu:flex");
        assert_eq!(resolve("auto").unwrap().backend, Backend::DEFAULT_CPU);
        assert!(matches!(resolve("cuda"), Err(DeviceError::NoCuda(_))));
        assert!(matches!(resolve("tpu"), Err(DeviceError::Unknown(_))));
    }
}
