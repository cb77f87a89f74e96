//! The NIfTI-2 header (540 bytes), which the `nifti` crate does not read: the same fields as
//! NIfTI-1, widened to 64 bits and reordered. Offsets are those of `nifti2.h`.

use super::error::NiftiError;
use super::header::{NiftiFormat, RawHeader};

/// `n+2\0\r\n\x1a\n`: single-file NIfTI-2.
const MAGIC: &[u8; 8] = b"n+2\0\r\n\x1a\n";
/// `ni2\0\r\n\x1a\n`: header of a `.hdr`/`.img` pair.
const PAIR_MAGIC: &[u8; 8] = b"ni2\0\r\n\x1a\n";

/// Fixed-offset field access that never panics: `header` is always 540 bytes here, and a short
/// slice would read as zeros rather than abort.
struct Fields<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Fields<'_> {
    fn take<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut b: [u8; N] = self
            .bytes
            .get(offset..offset + N)
            .and_then(|s| s.try_into().ok())
            .unwrap_or([0; N]);
        if self.big_endian {
            b.reverse();
        }
        b
    }
    fn i16(&self, offset: usize) -> i16 {
        i16::from_le_bytes(self.take(offset))
    }
    fn i32(&self, offset: usize) -> i32 {
        i32::from_le_bytes(self.take(offset))
    }
    fn i64(&self, offset: usize) -> i64 {
        i64::from_le_bytes(self.take(offset))
    }
    fn f64(&self, offset: usize) -> f64 {
        f64::from_le_bytes(self.take(offset))
    }
    fn f64s<const N: usize>(&self, offset: usize) -> [f64; N] {
        std::array::from_fn(|i| self.f64(offset + 8 * i))
    }
}

/// Parses a 540-byte NIfTI-2 header whose byte order was found from `sizeof_hdr`.
pub(crate) fn parse(header: &[u8], big_endian: bool, source_name: &str) -> Result<RawHeader, NiftiError> {
    let magic = header.get(4..12).unwrap_or_default();
    if magic != MAGIC {
        let what = if magic == PAIR_MAGIC {
            " (a .hdr/.img pair, which is not supported)"
        } else {
            ""
        };
        return Err(NiftiError::NotNifti {
            source_name: source_name.to_owned(),
            found: format!("sizeof_hdr 540 with magic {:?}{what}", String::from_utf8_lossy(magic)),
        });
    }
    let f = Fields {
        bytes: header,
        big_endian,
    };
    Ok(RawHeader {
        format: NiftiFormat::Nifti2,
        big_endian,
        datatype: i32::from(f.i16(12)),
        dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
        pixdim: f.f64s(104),
        // An int64 in NIfTI-2; f64 holds every offset a real file can have exactly.
        vox_offset: f.i64(168) as f64,
        scl_slope: f.f64(176),
        scl_inter: f.f64(184),
        qform_code: f.i32(344),
        sform_code: f.i32(348),
        quatern: f.f64s(352),
        qoffset: f.f64s(376),
        srow: [f.f64s(400), f.f64s(432), f.f64s(464)],
        xyzt_units: f.i32(500),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_both_byte_orders() {
        for big in [false, true] {
            let mut h = vec![0u8; 540];
            let put = |h: &mut Vec<u8>, off: usize, le: &[u8]| {
                let mut b = le.to_vec();
                if big {
                    b.reverse();
                }
                h[off..off + b.len()].copy_from_slice(&b);
            };
            put(&mut h, 0, &540i32.to_le_bytes());
            h[4..12].copy_from_slice(MAGIC);
            put(&mut h, 12, &16i16.to_le_bytes());
            put(&mut h, 16, &3i64.to_le_bytes());
            put(&mut h, 24, &70000i64.to_le_bytes());
            put(&mut h, 112, &2.5f64.to_le_bytes());
            put(&mut h, 168, &544i64.to_le_bytes());
            put(&mut h, 348, &4i32.to_le_bytes());
            put(&mut h, 424, &(-7.0f64).to_le_bytes());
            put(&mut h, 500, &10i32.to_le_bytes());
            let r = parse(&h, big, "t").unwrap();
            assert_eq!(r.datatype, 16);
            assert_eq!(&r.dim[..2], &[3, 70000]);
            assert_eq!(r.pixdim[1], 2.5);
            assert_eq!(r.vox_offset, 544.0);
            assert_eq!(r.sform_code, 4);
            assert_eq!(r.srow[0][3], -7.0);
            assert_eq!(r.xyzt_units, 10);
        }
    }

    #[test]
    fn rejects_pair_magic() {
        let mut h = vec![0u8; 540];
        h[4..12].copy_from_slice(PAIR_MAGIC);
        let e = parse(&h, false, "t").unwrap_err().to_string();
        assert!(e.contains("pair"), "{e}");
    }
}
