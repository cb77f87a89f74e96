"""Prints the expected values used by tests/nifti_files.rs, computed with nibabel alone.

    python -m venv .venv && .venv/bin/pip install nibabel==5.4.2 numpy==2.4.6
    .venv/bin/python tests/data/nifti/reference_values.py > /tmp/reference.rs

Not run by the test suite; its output was pasted into the REFERENCE table of tests/nifti_files.rs.
Per file (nibabel 5.4.2, numpy 2.4.6):
  shape        img.shape
  datatype     img.get_data_dtype().name
  byte_order   header.endianness ('<' little, '>' big)
  voxel_size   header.get_zooms()[:3]
  affine       img.affine when sform_code > 0 or qform_code > 0; else diag(pixdim[1:4]) (NIfTI
               method 1, which is what brainclip reports; nibabel's own fallback is centred)
  tr           header.get_zooms()[3], divided by 1000 for 'msec' (get_xyzt_units()[1])
  scl_*        the raw header fields, read with header_class.from_fileobj (nibabel's loaded image
               resets them to NaN once it has taken them over)
  extensions   [(ext.get_code(), ext.get_sizeondisk()) for ext in header.extensions]
  vox_offset   img.dataobj.offset
  stats        x = img.get_fdata() (float64); min/max/mean over np.isfinite(x); count of the rest
  probes       x[index] at four voxels: the first, the middle, the (first) maximum, the last
"""

import glob
import os

import nibabel as nib
import numpy as np
from nibabel.openers import ImageOpener

HERE = os.path.dirname(os.path.abspath(__file__))


def rust_f(v):
    v = float(v)
    if np.isnan(v):
        return "f64::NAN"
    if np.isinf(v):
        return "f64::INFINITY" if v > 0 else "f64::NEG_INFINITY"
    r = repr(v)
    return r if ("." in r or "e" in r) else r + ".0"


def rust_list(vs):
    return "&[" + ", ".join(rust_f(v) for v in vs) + "]"


def main():
    files = sorted(glob.glob(os.path.join(HERE, "*.nii*")) + glob.glob(os.path.join(HERE, "generated", "*.nii*")))
    print(f"// nibabel {nib.__version__}, numpy {np.__version__}")
    for path in files:
        rel = os.path.relpath(path, HERE)
        img = nib.load(path)
        hdr = img.header
        with ImageOpener(path) as f:
            raw = type(hdr).from_fileobj(f)
        fmt = "nifti2" if isinstance(hdr, nib.Nifti2Header) else "nifti1"
        ndim = len(img.shape)
        zooms = hdr.get_zooms()
        if int(raw["sform_code"]) > 0:
            source, affine = "sform", img.affine
        elif int(raw["qform_code"]) > 0:
            source, affine = "qform", img.affine
        else:
            source = "pixdim"
            affine = np.diag([*(list(zooms[:3]) + [1.0] * (3 - min(3, ndim))), 1.0])
        tr = "None"
        if ndim >= 4:
            unit = hdr.get_xyzt_units()[1]
            scale = {"msec": 1e-3, "usec": 1e-6}.get(unit, 1.0)
            tr = f"Some({rust_f(float(zooms[3]) * scale)})"
        exts = ", ".join(f"({e.get_code()}, {e.get_sizeondisk()})" for e in hdr.extensions)
        x = img.get_fdata()
        finite = np.isfinite(x)
        xs = x[finite]
        peak = tuple(int(i) for i in np.unravel_index(np.argmax(np.where(finite, x, -np.inf)), x.shape))
        middle = tuple(s // 2 for s in x.shape)
        probes = [tuple(0 for _ in x.shape), middle, peak, tuple(s - 1 for s in x.shape)]
        probe_txt = ", ".join(f"(&[{', '.join(map(str, p))}], {rust_f(x[p])})" for p in probes)
        print("    Ref {")
        print(f'        file: "{rel}",')
        print(f'        format: "{fmt}",')
        print(f"        shape: &[{', '.join(map(str, img.shape))}],")
        print(f'        datatype: "{img.get_data_dtype().name}",')
        print(f'        byte_order: "{"big" if hdr.endianness == ">" else "little"}",')
        print(f"        voxel_size: {rust_list(np.abs(zooms[:3]))},")
        print("        affine: [" + ", ".join("[" + ", ".join(rust_f(v) for v in row) + "]" for row in affine) + "],")
        print(f'        affine_source: "{source}",')
        print(f"        tr: {tr},")
        print(f"        scl_slope: {rust_f(raw['scl_slope'])},")
        print(f"        scl_inter: {rust_f(raw['scl_inter'])},")
        print(f"        extensions: &[{exts}],")
        print(f"        vox_offset: {rust_f(img.dataobj.offset)},")
        print(f"        min: {rust_f(xs.min())},")
        print(f"        max: {rust_f(xs.max())},")
        print(f"        mean: {rust_f(xs.mean())},")
        print(f"        non_finite: {int((~finite).sum())},")
        print(f"        probes: &[{probe_txt}],")
        print("    },")


if __name__ == "__main__":
    main()
