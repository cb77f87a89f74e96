"""Writes a realistic 4-D BOLD-like series for the read benchmark (not committed: ~50 MB).

    python benches/reference/make_series.py OUT.nii.gz

64 x 64 x 40 voxels x 200 volumes, int16 with scl_slope 0.5 and scl_inter -100: an
ellipsoidal "brain" with smooth spatial contrast, a slow drift, a task signal and thermal noise,
and a dim noisy background, so that it compresses about as well as real data.
"""

import sys

import nibabel as nib
import numpy as np


def main(out):
    rng = np.random.default_rng(7)
    nx, ny, nz, nt = 64, 64, 40, 200
    x, y, z = np.meshgrid(
        np.linspace(-1, 1, nx), np.linspace(-1, 1, ny), np.linspace(-1, 1, nz), indexing="ij"
    )
    brain = (x / 0.8) ** 2 + (y / 0.9) ** 2 + (z / 0.75) ** 2 < 1
    baseline = np.where(brain, 900 + 250 * np.cos(3 * x) * np.sin(2 * y) + 150 * z, 0).astype(np.float32)
    t = np.arange(nt, dtype=np.float32)
    drift = 1 + 0.002 * t
    task = (np.sin(2 * np.pi * t / 20) > 0).astype(np.float32)
    active = brain & (x > 0.3) & (np.abs(y) < 0.3)
    data = np.empty((nx, ny, nz, nt), dtype=np.float32)
    for i in range(nt):
        vol = baseline * drift[i] + 25 * task[i] * active
        vol += np.where(brain, rng.normal(0, 12, brain.shape), np.abs(rng.normal(0, 4, brain.shape)))
        data[..., i] = vol
    # Stored as a scanner would: integers with a fixed slope (0.5 units per step) and intercept,
    # rather than nibabel's full-range rescaling, which turns every low bit into noise.
    slope, inter = 0.5, -100.0
    stored = np.clip(np.round((data - inter) / slope), -32768, 32767).astype(np.int16)
    affine = np.diag([3.0, 3.0, 3.5, 1.0])
    img = nib.Nifti1Image(stored, affine)
    img.header.set_slope_inter(slope, inter)
    img.header.set_xyzt_units("mm", "sec")
    img.header["pixdim"][4] = 2.0
    nib.save(img, out)
    saved = nib.load(out)
    print(f"wrote {out}: {saved.shape} {saved.get_data_dtype()} slope={saved.dataobj.slope} inter={saved.dataobj.inter}")


if __name__ == "__main__":
    main(sys.argv[1])
