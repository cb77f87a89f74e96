//! NIfTI datatype codes, and the single pass that turns stored voxel bytes into scaled `f32`.
//!
//! The conversion is ours rather than the `nifti` crate's `into_ndarray`: that one takes the
//! element size from `bitpix` instead of the datatype, makes three to four passes over the data
//! (byte swap, copy to the element type, cast, rescale in `f32`), and cannot read NIfTI-2. Here each
//! voxel is decoded, scaled in `f64` (as nibabel does) and rounded to `f32` in one step.

/// The datatypes [`read_image`](super::read_image) converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Datatype {
    U8,
    I8,
    I16,
    U16,
    I32,
    F32,
    F64,
}

/// The datatype codes of the NIfTI standard and their names.
const NAMES: [(i32, &str); 17] = [
    (1, "binary"),
    (2, "uint8"),
    (4, "int16"),
    (8, "int32"),
    (16, "float32"),
    (32, "complex64"),
    (64, "float64"),
    (128, "rgb24"),
    (256, "int8"),
    (512, "uint16"),
    (768, "uint32"),
    (1024, "int64"),
    (1280, "uint64"),
    (1536, "float128"),
    (1792, "complex128"),
    (2048, "complex256"),
    (2304, "rgba32"),
];

impl Datatype {
    /// The supported datatype for a NIfTI code, if it is one.
    pub(crate) fn from_code(code: i32) -> Option<Self> {
        match code {
            2 => Some(Datatype::U8),
            256 => Some(Datatype::I8),
            4 => Some(Datatype::I16),
            512 => Some(Datatype::U16),
            8 => Some(Datatype::I32),
            16 => Some(Datatype::F32),
            64 => Some(Datatype::F64),
            _ => None,
        }
    }

    /// Bytes per voxel.
    pub(crate) fn size(self) -> usize {
        match self {
            Datatype::U8 | Datatype::I8 => 1,
            Datatype::I16 | Datatype::U16 => 2,
            Datatype::I32 | Datatype::F32 => 4,
            Datatype::F64 => 8,
        }
    }
}

/// The NIfTI name of a datatype code ("int16", "float32", ...), or `None` for codes the standard
/// does not define.
pub(crate) fn datatype_name(code: i32) -> Option<&'static str> {
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// Linear scaling `stored * slope + inter`, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scaling {
    None,
    Linear { slope: f64, inter: f64 },
}

impl Scaling {
    #[inline(always)]
    fn apply(self, v: f64) -> f32 {
        match self {
            Scaling::None => v as f32,
            Scaling::Linear { slope, inter } => (v * slope + inter) as f32,
        }
    }
}

/// Decodes every whole voxel of `dt` in `bytes` (a trailing partial voxel is ignored), scales
/// it and appends it to `out`.
pub(crate) fn decode_into(bytes: &[u8], dt: Datatype, big_endian: bool, scaling: Scaling, out: &mut Vec<f32>) {
    // Monomorphised per datatype, byte order and scaling so that each inner loop is a plain
    // load-convert-store the compiler can vectorise.
    macro_rules! run {
        ($n:literal, $conv:expr) => {{
            let (chunks, _) = bytes.as_chunks::<$n>();
            let conv = $conv;
            match scaling {
                Scaling::None => out.extend(chunks.iter().map(|c| Scaling::None.apply(conv(*c)))),
                s @ Scaling::Linear { .. } => out.extend(chunks.iter().map(|c| s.apply(conv(*c)))),
            }
        }};
    }
    match (dt, big_endian) {
        (Datatype::U8, _) => run!(1, |c: [u8; 1]| f64::from(c[0])),
        (Datatype::I8, _) => run!(1, |c: [u8; 1]| f64::from(i8::from_ne_bytes(c))),
        (Datatype::I16, false) => run!(2, |c| f64::from(i16::from_le_bytes(c))),
        (Datatype::I16, true) => run!(2, |c| f64::from(i16::from_be_bytes(c))),
        (Datatype::U16, false) => run!(2, |c| f64::from(u16::from_le_bytes(c))),
        (Datatype::U16, true) => run!(2, |c| f64::from(u16::from_be_bytes(c))),
        (Datatype::I32, false) => run!(4, |c| f64::from(i32::from_le_bytes(c))),
        (Datatype::I32, true) => run!(4, |c| f64::from(i32::from_be_bytes(c))),
        (Datatype::F32, false) => run!(4, |c| f64::from(f32::from_le_bytes(c))),
        (Datatype::F32, true) => run!(4, |c| f64::from(f32::from_be_bytes(c))),
        (Datatype::F64, false) => run!(8, f64::from_le_bytes),
        (Datatype::F64, true) => run!(8, f64::from_be_bytes),
    }
}
