"""Writes the small files in generated/ with nibabel (run once; the outputs are committed).

    python -m venv .venv && .venv/bin/pip install nibabel==5.4.2 numpy==2.4.6
    .venv/bin/python tests/data/nifti/make_generated.py

Each file covers a case the third-party fixtures do not: a datatype, a byte order, a scaling rule
or a header field. Where nibabel offers no way to write a field as we need it (scl_slope 0 with a
non-zero intercept, a chosen slope on integer data), the file is written by nibabel and the field
patched in place; the patch is noted next to the file.
"""

import os
import struct

import nibabel as nib
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated")
os.makedirs(HERE, exist_ok=True)
rng = np.random.default_rng(20240607)
AFF = np.array([[2.0, 0, 0, -10], [0, 2.5, 0, 20], [0, 0, 3.0, -30], [0, 0, 0, 1]])


def out(name):
    return os.path.join(HERE, name)


def save(img, name):
    # nibabel would pick its own scaling for integer arrays; these files store the values as given.
    img.header.set_slope_inter(None, None)
    nib.save(img, out(name))


def patch_f32(name, offset, value, endian="<"):
    """Overwrite a float32 header field of an uncompressed .nii."""
    with open(out(name), "r+b") as f:
        f.seek(offset)
        f.write(struct.pack(endian + "f", value))


def image(arr, dtype, endian="<", cls=nib.Nifti1Image, hdr_cls=nib.Nifti1Header):
    hdr = hdr_cls(endianness=endian)
    hdr.set_data_dtype(np.dtype(dtype))
    img = cls(arr.astype(np.dtype(dtype).newbyteorder(endian)), AFF, hdr)
    img.header.set_xyzt_units("mm", "sec")
    return img


shape3 = (3, 4, 5)
# big-endian float32, 3-D
save(image(rng.normal(100, 20, shape3), "f4", ">"), "be_float32.nii")
# uint16 using the top of its range, gzipped
save(image(rng.integers(0, 65536, shape3), "u2"), "uint16.nii.gz")
# int8 with negatives
save(image(rng.integers(-128, 128, shape3), "i1"), "int8.nii")
# float64, big-endian
save(image(rng.normal(0, 1e6, shape3), "f8", ">"), "be_float64.nii")
# int32 beyond float32's exact integers (2**24), so rounding to f32 shows
save(image(rng.integers(-(2**31), 2**31 - 1, shape3), "i4"), "int32.nii")
# big-endian int16 and uint8, little-endian uint16 (plain)
save(image(rng.integers(-32768, 32768, shape3), "i2", ">"), "be_int16.nii")
save(image(rng.integers(0, 256, shape3), "u1"), "uint8.nii")
save(image(rng.integers(0, 65536, shape3), "u2", ">"), "be_uint16.nii")
save(image(rng.integers(-(2**31), 2**31 - 1, shape3), "i4", ">"), "be_int32.nii")
save(image(rng.integers(-128, 128, shape3), "i1", ">"), "be_int8.nii")
save(image(rng.normal(0, 1, shape3), "f8"), "float64.nii")

# 4-D int16 series, TR 1.5 s stored as 1500 ms; scl_slope patched to 0 and scl_inter to 5:
# a zero slope means "no scaling", so the intercept must be ignored.
img = image(rng.integers(-1000, 1000, (2, 3, 4, 6)), "i2")
img.header.set_xyzt_units("mm", "msec")
img.header["pixdim"][4] = 1500.0
save(img, "series_slope0.nii")
patch_f32("series_slope0.nii", 112, 0.0)
patch_f32("series_slope0.nii", 116, 5.0)

# uint8 with scl_slope 0.5, scl_inter -10 (patched), so values are stored * 0.5 - 10.
save(image(rng.integers(0, 256, shape3), "u1"), "slope_inter.nii")
patch_f32("slope_inter.nii", 112, 0.5)
patch_f32("slope_inter.nii", 116, -10.0)

# big-endian int16 with slope/intercept written by nibabel from float data (its own scaling).
img = image(rng.normal(50, 10, shape3), "f4", ">")
img.set_data_dtype(np.dtype(">i2"))
nib.save(img, out("be_int16_scaled.nii"))

# NIfTI-2, big-endian float32, 4-D with TR 2 s
img = image(rng.normal(0, 1, (3, 2, 2, 4)), "f4", ">", nib.Nifti2Image, nib.Nifti2Header)
img.header["pixdim"][4] = 2.0
save(img, "be_nifti2.nii")

# qform only (sform code 0), rotated and with qfac -1.
theta = 0.3
rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
qaff = np.eye(4)
qaff[:3, :3] = rot @ np.diag([2.0, 3.0, -4.0])
qaff[:3, 3] = [5, -6, 7]
img = image(rng.integers(0, 100, shape3), "i2")
img.set_qform(qaff, code=1)
img.set_sform(None, code=0)
save(img, "qform_only.nii")

# neither qform nor sform: the affine is the pixdim scaling alone (NIfTI method 1)
img = image(rng.integers(0, 100, shape3), "i2")
img.set_qform(None, code=0)
img.set_sform(None, code=0)
img.header.set_zooms((2.0, 2.5, 3.0))
save(img, "no_xform.nii")

# float32 series with NaN and Inf in known places, for the non-finite policies
arr = np.arange(2 * 2 * 2 * 3, dtype=np.float32).reshape((2, 2, 2, 3))
arr[1, 0, 0, 1] = np.nan
arr[1, 0, 0, 2] = np.inf
arr[0, 1, 1, 0] = -np.inf
img = image(arr, "f4")
img.header["pixdim"][4] = 2.0
save(img, "nan_series.nii.gz")

# an atlas with labels 0 (background), 3, 7 and 12, and a mask of the same grid
atlas = np.zeros((2, 2, 2), dtype=np.int16)
atlas[0, 0, 0] = 3
atlas[1, 0, 0] = 3
atlas[0, 1, 0] = 7
atlas[1, 1, 1] = 12
save(image(atlas, "i2"), "atlas.nii.gz")
print("wrote", sorted(os.listdir(HERE)))
