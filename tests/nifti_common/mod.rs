//! Builds NIfTI files byte by byte, so tests can cover every datatype, byte order and header
//! oddity without a committed file for each.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// Header fields a test may want to set; the rest are zero as in a fresh header.
#[derive(Debug, Clone)]
pub struct Build {
    /// 1 or 2.
    pub version: u8,
    pub big_endian: bool,
    pub dims: Vec<i64>,
    pub datatype: i16,
    pub bitpix: i16,
    pub pixdim: [f64; 8],
    /// `None`: right after the header and extensions.
    pub vox_offset: Option<f64>,
    pub slope: f64,
    pub inter: f64,
    pub xyzt_units: u8,
    pub qform_code: i16,
    pub sform_code: i16,
    pub quatern: [f64; 6],
    pub srow: [[f64; 4]; 3],
    pub extensions: Vec<(i32, Vec<u8>)>,
    /// Replaces the magic (4 bytes for NIfTI-1, 8 for NIfTI-2).
    pub magic: Option<Vec<u8>>,
    /// Replaces `dim[0]` (otherwise `dims.len()`).
    pub dim0: Option<i64>,
}

impl Build {
    pub fn new(version: u8, big_endian: bool, dims: &[i64], datatype: i16, bitpix: i16) -> Self {
        Build {
            version,
            big_endian,
            dims: dims.to_vec(),
            datatype,
            bitpix,
            pixdim: [1.0, 2.0, 2.0, 2.0, 1.5, 1.0, 1.0, 1.0],
            vox_offset: None,
            slope: 1.0,
            inter: 0.0,
            xyzt_units: 2 | 8,
            qform_code: 0,
            sform_code: 1,
            quatern: [0.0; 6],
            srow: [[2.0, 0.0, 0.0, -10.0], [0.0, 2.0, 0.0, -20.0], [0.0, 0.0, 2.0, -30.0]],
            extensions: Vec::new(),
            magic: None,
            dim0: None,
        }
    }

    fn header_size(&self) -> usize {
        if self.version == 1 { 348 } else { 540 }
    }

    /// Extensions as stored: esize rounded up to 16.
    fn extension_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (code, data) in &self.extensions {
            let esize = (8 + data.len()).div_ceil(16) * 16;
            out.extend(self.i32(esize as i32));
            out.extend(self.i32(*code));
            out.extend(data);
            out.resize(out.len() + esize - 8 - data.len(), 0);
        }
        out
    }

    fn i16(&self, v: i16) -> Vec<u8> {
        if self.big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }
    fn i32(&self, v: i32) -> Vec<u8> {
        if self.big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }
    fn i64(&self, v: i64) -> Vec<u8> {
        if self.big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }
    fn f32(&self, v: f64) -> Vec<u8> {
        let v = v as f32;
        if self.big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }
    fn f64(&self, v: f64) -> Vec<u8> {
        if self.big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }

    /// The whole file: header, extender, extensions, then `data` at vox_offset.
    pub fn bytes(&self, data: &[u8]) -> Vec<u8> {
        let ext = self.extension_bytes();
        let natural = self.header_size() + 4 + ext.len();
        let vox_offset = self.vox_offset.unwrap_or(natural as f64);
        let mut dim = [1i64; 8];
        dim[0] = self.dim0.unwrap_or(self.dims.len() as i64);
        for (d, v) in dim.iter_mut().skip(1).zip(&self.dims) {
            *d = *v;
        }
        let mut h = vec![0u8; self.header_size()];
        let mut put = |off: usize, b: Vec<u8>| h[off..off + b.len()].copy_from_slice(&b);
        if self.version == 1 {
            put(0, self.i32(348));
            for (i, d) in dim.iter().enumerate() {
                put(40 + 2 * i, self.i16(*d as i16));
            }
            put(70, self.i16(self.datatype));
            put(72, self.i16(self.bitpix));
            for (i, p) in self.pixdim.iter().enumerate() {
                put(76 + 4 * i, self.f32(*p));
            }
            put(108, self.f32(vox_offset));
            put(112, self.f32(self.slope));
            put(116, self.f32(self.inter));
            put(123, vec![self.xyzt_units]);
            put(252, self.i16(self.qform_code));
            put(254, self.i16(self.sform_code));
            for (i, q) in self.quatern.iter().enumerate() {
                put(256 + 4 * i, self.f32(*q));
            }
            for (r, row) in self.srow.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    put(280 + 16 * r + 4 * c, self.f32(*v));
                }
            }
            put(344, self.magic.clone().unwrap_or_else(|| b"n+1\0".to_vec()));
        } else {
            put(0, self.i32(540));
            put(4, self.magic.clone().unwrap_or_else(|| b"n+2\0\r\n\x1a\n".to_vec()));
            put(12, self.i16(self.datatype));
            put(14, self.i16(self.bitpix));
            for (i, d) in dim.iter().enumerate() {
                put(16 + 8 * i, self.i64(*d));
            }
            for (i, p) in self.pixdim.iter().enumerate() {
                put(104 + 8 * i, self.f64(*p));
            }
            put(168, self.i64(vox_offset as i64));
            put(176, self.f64(self.slope));
            put(184, self.f64(self.inter));
            put(344, self.i32(i32::from(self.qform_code)));
            put(348, self.i32(i32::from(self.sform_code)));
            for (i, q) in self.quatern.iter().enumerate() {
                put(352 + 8 * i, self.f64(*q));
            }
            for (r, row) in self.srow.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    put(400 + 32 * r + 8 * c, self.f64(*v));
                }
            }
            put(500, self.i32(i32::from(self.xyzt_units)));
        }
        let mut out = h;
        out.extend([u8::from(!self.extensions.is_empty()), 0, 0, 0]);
        out.extend(ext);
        // Only pad to offsets a test can afford; absurd ones are written as given, with no padding.
        if vox_offset.is_finite() && vox_offset < 1e6 && out.len() < vox_offset as usize {
            out.resize(vox_offset as usize, 0);
        }
        out.extend(data);
        out
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A fresh path under the system temp directory for one test's files.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("brainclip-nifti-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}
