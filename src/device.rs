//! Choosing where tensors live: a device string (`cpu`, `cpu:flex`, `cpu:ndarray`,
//! `cpu:libtorch`, `cuda`, `cuda:N`, `auto`) becomes a burn [`Device`]. burn 0.22 dispatches on
//! the device at run time, so nothing else in brainclip names a backend type, and every domain
//! function runs unchanged on every device.
//!
//! The libtorch devices exist only in builds with the `tch` feature; asking for them elsewhere
//! is an error that names the build option ([`DeviceError::hint`]).

use std::fmt;

use burn::tensor::Device;
use serde::Serialize;
use thiserror::Error;

/// The burn backends a build can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-flex: pure-Rust CPU backend (gemm, rayon, SIMD).
    Flex,
    /// burn-ndarray: CPU backend on ndarray and matrixmultiply.
    NdArray,
    /// burn-tch: libtorch, the engine PyTorch uses, on the CPU or a CUDA GPU (`tch` feature).
    LibTorch,
}

impl Backend {
    /// The CPU backend used for `cpu` and for `auto` without a GPU: flex, which trains the default
    /// network faster than ndarray on this workload (see `benches/backends.rs` and the README).
    pub const DEFAULT_CPU: Backend = Backend::Flex;

    /// Lower-case name, as in device strings.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
            Backend::LibTorch => "libtorch",
        }
    }

    /// Whether this build has the backend.
    pub fn is_built(self) -> bool {
        match self {
            Backend::Flex | Backend::NdArray => true,
            Backend::LibTorch => cfg!(feature = "tch"),
        }
    }
}

/// The kind of processor a device runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Processor {
    /// The host CPU.
    Cpu,
    /// CUDA GPU with this index.
    Cuda(usize),
}

/// A resolved device: the burn device and how it was chosen.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The backend behind the device.
    pub backend: Backend,
    /// CPU or which GPU.
    pub processor: Processor,
    /// The burn device (without autodiff; training enables it).
    pub device: Device,
}

impl ComputeDevice {
    /// The device string that selects this device again, e.g. `cpu:flex` or `cuda:0`.
    pub fn label(&self) -> String {
        match self.processor {
            Processor::Cpu => format!("cpu:{}", self.backend.name()),
            Processor::Cuda(index) => format!("cuda:{index}"),
        }
    }

    /// Whether tensors live in GPU memory.
    pub fn is_gpu(&self) -> bool {
        matches!(self.processor, Processor::Cuda(_))
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A device string this build or machine cannot satisfy.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DeviceError {
    /// CUDA or libtorch was asked for, but this build has only the pure-Rust CPU backends.
    #[error(
        "device `{0}` needs the libtorch backend, and this build of brainclip has only the CPU backends (flex, ndarray)"
    )]
    NotBuilt(String),
    /// The build has libtorch, but CUDA cannot be used on this machine.
    #[error("device `{device}`: CUDA is unavailable: {reason}")]
    CudaUnavailable {
        /// The device string asked for.
        device: String,
        /// Why, as far as can be told (driver, libtorch build, linking, device count).
        reason: String,
    },
    /// The string is not a device.
    #[error("unknown device `{0}`; use cpu, cpu:flex, cpu:ndarray, cpu:libtorch, cuda[:N] or auto")]
    Unknown(String),
}

impl DeviceError {
    /// A one-line suggestion for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            DeviceError::NotBuilt(_) => {
                "build with the libtorch backend: `scripts/setup-libtorch.sh` (cargo build --release --features tch; see the README's GPU section), or run on the CPU with --device cpu"
            }
            DeviceError::CudaUnavailable { .. } => {
                "`brainclip doctor` shows what this binary sees; run on the CPU with --device cpu, or --device auto to use a GPU only when there is one"
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
/// // `auto` takes a GPU when this build and machine have one, else the default CPU backend.
/// assert!(resolve("auto").is_ok());
/// ```
pub fn resolve(spec: &str) -> Result<ComputeDevice, DeviceError> {
    resolve_in(spec, Backend::LibTorch.is_built())
}

/// [`resolve`] as a build with or without libtorch would (`have_libtorch` false refuses the
/// libtorch devices the way a default build does, whatever this build has).
fn resolve_in(spec: &str, have_libtorch: bool) -> Result<ComputeDevice, DeviceError> {
    let spec = spec.trim().to_ascii_lowercase();
    let libtorch_device = |index: Option<usize>| {
        if !have_libtorch {
            return Err(DeviceError::NotBuilt(spec.clone()));
        }
        match index {
            None => Ok(cpu(Backend::LibTorch)),
            Some(index) => libtorch::cuda_device(index).map_err(|reason| DeviceError::CudaUnavailable {
                device: spec.clone(),
                reason,
            }),
        }
    };
    match spec.as_str() {
        "cpu" | "" => Ok(cpu(Backend::DEFAULT_CPU)),
        "cpu:flex" | "flex" => Ok(cpu(Backend::Flex)),
        "cpu:ndarray" | "ndarray" => Ok(cpu(Backend::NdArray)),
        "cpu:libtorch" | "libtorch" | "cpu:tch" | "tch" => libtorch_device(None),
        "auto" => Ok(have_libtorch
            .then(libtorch::first_gpu)
            .flatten()
            .unwrap_or_else(|| cpu(Backend::DEFAULT_CPU))),
        "cuda" | "gpu" => libtorch_device(Some(0)),
        s => match s.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(index)) => libtorch_device(Some(index)),
            _ => Err(DeviceError::Unknown(spec.clone())),
        },
    }
}

/// The default CPU device.
pub fn default_cpu() -> ComputeDevice {
    cpu(Backend::DEFAULT_CPU)
}

#[allow(deprecated)] // burn 0.22 marks ndarray and tch deprecated in favour of flex/CubeCL; we offer them.
fn cpu(backend: Backend) -> ComputeDevice {
    let device = match backend {
        Backend::Flex => Device::flex(),
        Backend::NdArray => Device::ndarray(),
        Backend::LibTorch => libtorch::cpu_device(),
    };
    ComputeDevice {
        backend,
        processor: Processor::Cpu,
        device,
    }
}

/// What this build and machine offer: backends, libtorch and CUDA (`brainclip doctor`).
#[derive(Clone, Debug, Serialize)]
pub struct DeviceReport {
    /// brainclip's version.
    pub version: &'static str,
    /// Backends compiled into this binary.
    pub backends: Vec<Backend>,
    /// Device strings that work here.
    pub devices: Vec<String>,
    /// What `auto` resolves to.
    pub auto: String,
    /// libtorch's version and library folder, when built with it.
    pub libtorch: Option<LibTorchInfo>,
    /// Whether CUDA can be used.
    pub cuda_available: bool,
    /// Number of CUDA devices libtorch sees.
    pub cuda_devices: usize,
    /// Why CUDA cannot be used, when it cannot.
    pub cuda_reason: Option<String>,
}

/// The libtorch this binary was built against.
#[derive(Clone, Debug, Serialize)]
pub struct LibTorchInfo {
    /// torch's version at build time, e.g. `2.9.0+cu128`.
    pub version: &'static str,
    /// The library folder the binary's rpath points to.
    pub library_dir: &'static str,
    /// Whether `libtorch_cuda` is loaded into this process.
    pub cuda_library_loaded: bool,
    /// cuDNN version, 0 when absent.
    pub cudnn_version: i64,
}

/// Inspect this build and machine.
///
/// ```
/// let report = brainclip::device::report();
/// assert!(report.devices.contains(&"cpu:flex".to_string()));
/// ```
pub fn report() -> DeviceReport {
    let backends: Vec<Backend> = [Backend::Flex, Backend::NdArray, Backend::LibTorch]
        .into_iter()
        .filter(|b| b.is_built())
        .collect();
    let mut devices: Vec<String> = backends.iter().map(|b| format!("cpu:{}", b.name())).collect();
    let cuda = libtorch::cuda_devices();
    let (cuda_devices, cuda_reason) = match &cuda {
        Ok(n) => (*n, None),
        Err(reason) => (0, Some(reason.clone())),
    };
    devices.extend((0..cuda_devices).map(|i| format!("cuda:{i}")));
    DeviceReport {
        version: env!("CARGO_PKG_VERSION"),
        backends,
        devices,
        auto: resolve("auto").map(|d| d.label()).unwrap_or_default(),
        libtorch: libtorch::info(),
        cuda_available: cuda_devices > 0,
        cuda_devices,
        cuda_reason,
    }
}

impl fmt::Display for DeviceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.backends.iter().map(|b| b.name()).collect();
        writeln!(f, "brainclip {}", self.version)?;
        writeln!(f, "backends:  {}", names.join(", "))?;
        match &self.libtorch {
            Some(t) => {
                writeln!(f, "libtorch:  {} ({})", t.version, t.library_dir)?;
                writeln!(
                    f,
                    "           libtorch_cuda loaded: {}; cuDNN: {}",
                    if t.cuda_library_loaded { "yes" } else { "no" },
                    if t.cudnn_version > 0 {
                        t.cudnn_version.to_string()
                    } else {
                        "none".into()
                    }
                )?;
            }
            None => writeln!(
                f,
                "libtorch:  not in this build (GPU training needs `--features tch`: scripts/setup-libtorch.sh)"
            )?,
        }
        match &self.cuda_reason {
            None => writeln!(f, "CUDA:      available, {} device(s)", self.cuda_devices)?,
            Some(reason) => writeln!(f, "CUDA:      unavailable: {reason}")?,
        }
        writeln!(f, "devices:   {}", self.devices.join(", "))?;
        write!(f, "auto:      {}", self.auto)
    }
}

#[cfg(feature = "tch")]
mod libtorch {
    //! The libtorch side: CUDA queries through tch, and reasons when CUDA is missing.
    use super::{ComputeDevice, LibTorchInfo, Processor};
    use burn::tensor::Device;

    #[allow(deprecated)]
    pub fn cpu_device() -> Device {
        Device::libtorch()
    }

    /// Number of usable CUDA devices, or why there are none.
    pub fn cuda_devices() -> Result<usize, String> {
        if tch::Cuda::is_available() {
            let n = tch::Cuda::device_count().max(0) as usize;
            if n > 0 {
                return Ok(n);
            }
        }
        Err(why_no_cuda())
    }

    #[allow(deprecated)]
    pub fn cuda_device(index: usize) -> Result<ComputeDevice, String> {
        let n = cuda_devices()?;
        if index >= n {
            return Err(format!(
                "there is no cuda:{index}; libtorch sees {n} device(s) (cuda:0 … cuda:{})",
                n - 1
            ));
        }
        Ok(ComputeDevice {
            backend: super::Backend::LibTorch,
            processor: Processor::Cuda(index),
            device: Device::libtorch_cuda(index),
        })
    }

    pub fn first_gpu() -> Option<ComputeDevice> {
        cuda_device(0).ok()
    }

    fn library_dir() -> &'static str {
        option_env!("BRAINCLIP_LIBTORCH_LIB").unwrap_or("unknown")
    }

    /// Whether libtorch_cuda is mapped into this process (it is only when linked as needed).
    fn cuda_library_loaded() -> bool {
        std::fs::read_to_string("/proc/self/maps").is_ok_and(|maps| maps.contains("libtorch_cuda"))
    }

    pub fn info() -> Option<LibTorchInfo> {
        Some(LibTorchInfo {
            version: option_env!("BRAINCLIP_LIBTORCH_VERSION").unwrap_or("unknown"),
            library_dir: library_dir(),
            cuda_library_loaded: cuda_library_loaded(),
            cudnn_version: if tch::Cuda::cudnn_is_available() {
                tch::utils::version_cudnn()
            } else {
                0
            },
        })
    }

    /// The most specific reason we can find, from the outside in.
    fn why_no_cuda() -> String {
        let dir = std::path::Path::new(library_dir());
        if dir.is_dir() && !dir.join("libtorch_cuda.so").exists() {
            return format!(
                "the libtorch in {} is a CPU-only build (no libtorch_cuda.so)",
                dir.display()
            );
        }
        if !cuda_library_loaded() {
            return "libtorch_cuda.so is not loaded into brainclip (it was linked without --no-as-needed, or its library folder moved); rebuild with scripts/setup-libtorch.sh".into();
        }
        let driver = std::path::Path::new("/proc/driver/nvidia/version").exists()
            || std::path::Path::new("/dev/nvidiactl").exists();
        if !driver {
            return "no NVIDIA driver on this machine (no /proc/driver/nvidia/version or /dev/nvidiactl)".into();
        }
        match std::env::var("CUDA_VISIBLE_DEVICES") {
            Ok(v) => format!(
                "the NVIDIA driver is present but libtorch sees no GPU (CUDA_VISIBLE_DEVICES={v:?}); the driver may be older than this libtorch's CUDA"
            ),
            Err(_) => "the NVIDIA driver is present but libtorch sees no GPU; the driver may be older than this libtorch's CUDA".into(),
        }
    }
}

#[cfg(not(feature = "tch"))]
mod libtorch {
    //! Without the `tch` feature: no libtorch, no CUDA.
    use super::{ComputeDevice, LibTorchInfo};
    use burn::tensor::Device;

    pub fn cpu_device() -> Device {
        unreachable!("resolve() checks Backend::is_built before asking for a libtorch device")
    }

    pub fn cuda_devices() -> Result<usize, String> {
        Err("this build has no libtorch backend (build with --features tch)".into())
    }

    pub fn cuda_device(_index: usize) -> Result<ComputeDevice, String> {
        cuda_devices().map(|_| unreachable!())
    }

    pub fn first_gpu() -> Option<ComputeDevice> {
        None
    }

    pub fn info() -> Option<LibTorchInfo> {
        None
    }
}

impl crate::Classified for DeviceError {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::Device
    }
    fn hint(&self) -> Option<crate::Hint> {
        Some(DeviceError::hint(self).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_strings() {
        assert_eq!(resolve(" CPU:FLEX ").unwrap().label(), "cpu:flex");
        assert_eq!(resolve("cpu").unwrap().backend, Backend::DEFAULT_CPU);
        assert!(matches!(resolve("tpu"), Err(DeviceError::Unknown(_))));
        assert!(matches!(resolve("cuda:x"), Err(DeviceError::Unknown(_))));
    }

    #[test]
    fn without_libtorch_cuda_names_the_build_option() {
        for spec in ["cuda", "cuda:1", "gpu", "cpu:libtorch"] {
            let err = resolve_in(spec, false).unwrap_err();
            assert!(matches!(err, DeviceError::NotBuilt(_)), "{spec}: {err}");
            assert!(err.to_string().contains("needs the libtorch backend"), "{err}");
            assert!(err.hint().contains("--features tch"), "{}", err.hint());
        }
        assert_eq!(resolve_in("auto", false).unwrap().label(), "cpu:flex");
    }

    #[cfg(not(feature = "tch"))]
    #[test]
    fn the_default_build_reports_no_libtorch() {
        assert!(matches!(resolve("cuda"), Err(DeviceError::NotBuilt(_))));
        let report = report();
        assert!(!report.cuda_available);
        assert!(report.to_string().contains("not in this build"));
    }

    #[cfg(feature = "tch")]
    #[test]
    fn libtorch_cpu_and_cuda_reasons() {
        let dev = resolve("cpu:libtorch").unwrap();
        assert_eq!((dev.backend, dev.label().as_str()), (Backend::LibTorch, "cpu:libtorch"));
        let report = report();
        assert!(report.libtorch.is_some());
        if !report.cuda_available {
            let err = resolve("cuda").unwrap_err();
            assert!(matches!(err, DeviceError::CudaUnavailable { .. }), "{err}");
            assert!(!report.cuda_reason.unwrap_or_default().is_empty());
            assert_eq!(resolve("auto").unwrap().label(), "cpu:flex");
        }
    }
}
