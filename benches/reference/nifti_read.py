"""nibabel's time to read the same files as benches/nifti_read.rs, measured the same way.

    python benches/reference/nifti_read.py FILE...

For each file: one untimed read, then the best of REPEATS timed `nib.load(f).get_fdata(dtype=float32)`.
MB/s counts the stored voxel bytes (shape x datatype size).
"""

import sys
import time

import nibabel as nib
import numpy as np

REPEATS = 5


def main():
    for path in sys.argv[1:]:
        img = nib.load(path)
        nbytes = int(np.prod(img.shape)) * img.get_data_dtype().itemsize
        img.get_fdata(dtype=np.float32)
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            data = nib.load(path).get_fdata(dtype=np.float32)
            best = min(best, time.perf_counter() - start)
            del data
        print(f"nibabel {path} seconds={best:.4f} MB/s={nbytes / 1e6 / best:.1f}")


if __name__ == "__main__":
    main()
