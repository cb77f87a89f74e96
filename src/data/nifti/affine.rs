//! Voxel-to-world affines from header fields, following the NIfTI-1 standard's three methods
//! (and `nifti1_io.c` where the standard leaves room). The `nifti` crate only computes these behind
//! its `nalgebra_affine` feature, and its qform path panics on negative pixdims or an odd qfac, so
//! the few lines of arithmetic live here.

/// The transform fields of a header, widened to `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Transform {
    pub(crate) ndim: usize,
    pub(crate) pixdim: [f64; 8],
    pub(crate) qform_code: i32,
    pub(crate) sform_code: i32,
    pub(crate) quatern: [f64; 3],
    pub(crate) qoffset: [f64; 3],
    pub(crate) srow: [[f64; 4]; 3],
}

/// The affine and where it came from: "sform" if `sform_code > 0`, else "qform" if
/// `qform_code > 0`, else "pixdim" (a plain scaling by the voxel sizes, the standard's method 1).
pub(crate) fn best_affine(t: &Transform) -> ([[f64; 4]; 4], &'static str) {
    if t.sform_code > 0 {
        let [x, y, z] = t.srow;
        ([x, y, z, [0.0, 0.0, 0.0, 1.0]], "sform")
    } else if t.qform_code > 0 {
        (qform_affine(t), "qform")
    } else {
        let s = |k: usize| if k <= t.ndim { t.pixdim[k] } else { 1.0 };
        (
            [
                [s(1), 0.0, 0.0, 0.0],
                [0.0, s(2), 0.0, 0.0],
                [0.0, 0.0, s(3), 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ],
            "pixdim",
        )
    }
}

/// Method 2: rotation from the unit quaternion (b, c, d), scaled by the voxel sizes, `qfac`
/// flipping the third axis.
fn qform_affine(t: &Transform) -> [[f64; 4]; 4] {
    let [mut b, mut c, mut d] = t.quatern;
    let norm2 = b * b + c * c + d * d;
    // As nifti1_io.c: a quaternion slightly longer than 1 (rounding in float32 headers) is
    // renormalised and taken as a 180° rotation instead of failing.
    let a = if 1.0 - norm2 < 1e-7 {
        let inv = 1.0 / norm2.sqrt();
        b *= inv;
        c *= inv;
        d *= inv;
        0.0
    } else {
        (1.0 - norm2).sqrt()
    };
    // nibabel takes |pixdim| on load; nifti1_io.c uses 1 for a zero size.
    let size = |k: usize| {
        let v = t.pixdim[k].abs();
        if v > 0.0 && v.is_finite() { v } else { 1.0 }
    };
    let qfac = if t.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let (dx, dy, dz) = (size(1), size(2), size(3) * qfac);
    let r = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let row = |i: usize| [r[i][0] * dx, r[i][1] * dy, r[i][2] * dz, t.qoffset[i]];
    [row(0), row(1), row(2), [0.0, 0.0, 0.0, 1.0]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform() -> Transform {
        Transform {
            ndim: 3,
            pixdim: [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 3],
            qoffset: [10.0, 20.0, 30.0],
            srow: [[1.0, 0.0, 0.0, 5.0], [0.0, 1.0, 0.0, 6.0], [0.0, 0.0, 1.0, 7.0]],
        }
    }

    #[test]
    fn pixdim_fallback_scales_only() {
        let (a, src) = best_affine(&transform());
        assert_eq!(src, "pixdim");
        assert_eq!(
            a,
            [
                [2.0, 0.0, 0.0, 0.0],
                [0.0, 3.0, 0.0, 0.0],
                [0.0, 0.0, 4.0, 0.0],
                [0.0, 0.0, 0.0, 1.0]
            ]
        );
    }

    #[test]
    fn sform_wins_over_qform() {
        let t = Transform {
            sform_code: 2,
            qform_code: 1,
            ..transform()
        };
        let (a, src) = best_affine(&t);
        assert_eq!(src, "sform");
        assert_eq!(a[0], [1.0, 0.0, 0.0, 5.0]);
    }

    #[test]
    fn identity_quaternion_with_negative_qfac_flips_z() {
        let mut t = Transform {
            qform_code: 1,
            ..transform()
        };
        t.pixdim[0] = -1.0;
        let (a, src) = best_affine(&t);
        assert_eq!(src, "qform");
        assert_eq!(
            a,
            [
                [2.0, 0.0, 0.0, 10.0],
                [0.0, 3.0, 0.0, 20.0],
                [0.0, 0.0, -4.0, 30.0],
                [0.0, 0.0, 0.0, 1.0]
            ]
        );
    }

    #[test]
    fn half_turn_about_z() {
        // b = c = 0, d = 1: a = 0, rotation by 180° about z.
        let t = Transform {
            qform_code: 1,
            quatern: [0.0, 0.0, 1.0],
            ..transform()
        };
        let (a, _) = best_affine(&t);
        assert_eq!(a[0][0], -2.0);
        assert_eq!(a[1][1], -3.0);
        assert_eq!(a[2][2], 4.0);
    }
}
