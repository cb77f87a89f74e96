"""Write a tiny Natural Scenes Dataset in NSD's own file layout (not run by `cargo test`).

    python3 -m venv .venv && .venv/bin/pip install nibabel==5.4.2 h5py==3.16.0 scipy==1.17.1 numpy==2.4.6
    .venv/bin/python tests/data/nsd/make_nsd.py            # rewrites tests/data/nsd/{nsddata,...}
    .venv/bin/python tests/data/nsd/make_nsd.py --dump     # what the readers must find (the tests' values)

Everything NSD fixes is kept: the folder tree, the file names, the MATLAB v5 design file with
`masterordering` (1 x trials, 1-based indices into a subject's 10k list), `subjectim` (8 x n10k,
1-based 73k ids) and `sharedix` (1 x shared, 1-based 73k ids); `nsd_stim_info_merged.csv` with its
columns; COCO 2017 caption files (5 captions per image); `nsdgeneral.nii.gz` with -1 outside the
brain, 0 in the brain and 1 in the ROI; single-trial betas as int16 = round(300 x beta), as
`betas_sessionNN.nii.gz` (x, y, z, trial) and as `betas_sessionNN.hdf5` (`betas`: trial, z, y, x,
as MATLAB writes NSD's HDF5 betas); and `nsd_stimuli.hdf5` with `imgBrick` (image, row, column,
RGB) uint8, chunked one image per chunk.

What is smaller: 40 images of 32 x 32 pixels instead of 73,000 of 425 x 425, 20 images per subject
(6 shared) instead of 10,000 (1,000 shared), 3 sessions of 20 trials instead of 40 of 750, and
grids of 6 x 5 x 4 (subj01) and 5 x 6 x 4 (subj02) voxels.

The responses follow the built-in synthetic data's idea: every image has a 4-d feature vector,
every voxel a tuning vector, beta = tuning . features + session drift + noise, so decoding works
and session-wise z-scoring matters. Seeded: a rerun writes the same numbers (gzip headers carry
no time).
"""

import gzip
import json
import os
import shutil
import sys

import h5py
import nibabel as nib
import numpy as np
import scipy.io

HERE = os.path.dirname(os.path.abspath(__file__))
N73 = 40  # images in the stimulus brick
SIDE = 32  # image side in pixels
N10 = 20  # images per subject
SHARED = [3, 8, 15, 22, 30, 37]  # 0-based 73k ids every subject sees
SESSIONS = 3
TRIALS = 20  # per session
GRIDS = {1: (6, 5, 4), 2: (5, 6, 4)}
FEATURES = 4
AFFINE = np.diag([1.8, 1.8, 1.8, 1.0])


def rng(seed):
    return np.random.default_rng(seed)


def image_features():
    return rng(1).normal(size=(N73, FEATURES))


def subject_images():
    """subjectim: 8 x N10, 1-based; the shared images first, then each subject's own."""
    others = [i for i in range(N73) if i not in SHARED]
    rows = []
    for s in range(8):
        own = rng(100 + s).permutation(others)[: N10 - len(SHARED)]
        rows.append(SHARED + sorted(int(i) for i in own))
    return np.array(rows, dtype=np.float64) + 1


def master_ordering():
    """Each of the N10 images three times, shuffled: 1 x (SESSIONS * TRIALS), 1-based."""
    order = np.concatenate([rng(7).permutation(N10) for _ in range(3)])
    return (order + 1).astype(np.float64)[None, :]


def roi(subject):
    shape = GRIDS[subject]
    vol = np.zeros(shape, dtype=np.int16)
    vol[0, :, :] = -1  # outside the brain
    vol[-1, :, :] = -1
    vol[2:4, 1:4, 1:3] = 1
    vol[1, 2, 2] = 1
    return vol


def betas(subject):
    """trials x X x Y x Z float betas of every session (percent signal change)."""
    shape = GRIDS[subject]
    n_vox = int(np.prod(shape))
    r = rng(10 + subject)
    tuning = r.normal(size=(n_vox, FEATURES))
    feats = image_features()
    ims = subject_images()[subject - 1].astype(int) - 1
    order = master_ordering()[0].astype(int) - 1
    sessions = []
    for s in range(SESSIONS):
        trials = order[s * TRIALS : (s + 1) * TRIALS]
        ids = ims[trials]
        drift = 2.0 * (s + 1) + r.normal(size=n_vox)
        resp = feats[ids] @ tuning.T + drift + 0.3 * r.normal(size=(TRIALS, n_vox))
        # Voxel order of the grid: x fastest (Fortran), as NIfTI stores it.
        sessions.append(resp.reshape((TRIALS,) + shape[::-1]).transpose(0, 3, 2, 1))
    return sessions


def as_int16(beta):
    return np.round(300.0 * beta).astype(np.int16)


def write_nifti(path, data, dtype=np.int16):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img = nib.Nifti1Image(data.astype(dtype), AFFINE)
    img.header.set_xyzt_units("mm", "sec")
    raw = img.to_bytes()
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw)


def picture(i):
    """A smooth picture of image i; pixel (0, 0) spells its id: (i, 255 - i, 7)."""
    f = image_features()[i]
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    rgb = np.stack([np.sin(3 * x * f[0] + y * f[1]), np.cos(2 * y * f[2]), np.sin(x * f[3] - y)], axis=-1)
    img = ((rgb + 1) * 127.5).astype(np.uint8)
    img[0, 0] = (i, 255 - i, 7)
    return img


def coco_id(i):
    return 100000 + 7 * i


def coco_split(i):
    return "val2017" if i % 5 == 0 else "train2017"


def captions(i):
    return [f"picture {i} caption {k}" for k in range(5)]


def write_all():
    for sub in ("nsddata", "nsddata_betas", "nsddata_stimuli"):
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)
    exp = os.path.join(HERE, "nsddata", "experiments", "nsd")
    os.makedirs(exp, exist_ok=True)
    scipy.io.savemat(
        os.path.join(exp, "nsd_expdesign.mat"),
        {
            "masterordering": master_ordering(),
            "subjectim": subject_images(),
            "sharedix": (np.array(SHARED, dtype=np.float64) + 1)[None, :],
            "basiccnt": np.full((3, SESSIONS), float(TRIALS)),
            "note": "tiny NSD design written by make_nsd.py",
        },
        do_compression=True,
        oned_as="row",
    )
    # nsd_stim_info_merged.csv, with NSD's columns in NSD's order.
    ims = subject_images().astype(int) - 1
    order = master_ordering()[0].astype(int) - 1
    head = ["", "cocoId", "cocoSplit", "cropBox", "loss", "nsdId", "flagged", "BOLD5000", "shared1000"]
    head += [f"subject{s}" for s in range(1, 9)]
    head += [f"subject{s}_rep{r}" for s in range(1, 9) for r in range(3)]
    lines = [",".join(head)]
    for i in range(N73):
        row = [str(i), str(coco_id(i)), coco_split(i), '"(0, 0, 0.1, 0.1)"', "0.0", str(i), "False", "False"]
        row.append(str(i in SHARED))
        seen = [1 if i in ims[s] else 0 for s in range(8)]
        row += [str(v) for v in seen]
        for s in range(8):
            trials = [t + 1 for t, k in enumerate(order) if ims[s][k] == i]
            trials += [0] * (3 - len(trials))
            row += [str(t) for t in trials[:3]]
        lines.append(",".join(row))
    with open(os.path.join(exp, "nsd_stim_info_merged.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # COCO caption files, as NSD ships them beside the stimuli.
    ann = os.path.join(HERE, "nsddata_stimuli", "stimuli", "nsd", "annotations")
    os.makedirs(ann, exist_ok=True)
    for split in ("train2017", "val2017"):
        members = [i for i in range(N73) if coco_split(i) == split]
        images = [{"id": coco_id(i), "file_name": f"{coco_id(i):012d}.jpg"} for i in members]
        annotations = []
        for i in members:
            for k, text in enumerate(captions(i)):
                annotations.append({"image_id": coco_id(i), "id": coco_id(i) * 10 + k, "caption": text})
        annotations.reverse()  # readers must order by annotation id, not by file order
        with open(os.path.join(ann, f"captions_{split}.json"), "w") as f:
            json.dump({"info": {"description": "tiny NSD"}, "images": images, "annotations": annotations}, f)
    # The stimulus brick: one image per chunk, gzip.
    with h5py.File(os.path.join(HERE, "nsddata_stimuli", "stimuli", "nsd", "nsd_stimuli.hdf5"), "w") as f:
        brick = np.stack([picture(i) for i in range(N73)])
        f.create_dataset("imgBrick", data=brick, chunks=(1, SIDE, SIDE, 3), compression="gzip")
    for subject in (1, 2):
        subj = f"subj{subject:02d}"
        write_nifti(os.path.join(HERE, "nsddata", "ppdata", subj, "func1pt8mm", "roi", "nsdgeneral.nii.gz"), roi(subject))
        folder = os.path.join(HERE, "nsddata_betas", "ppdata", subj, "func1pt8mm", "betas_fithrf_GLMdenoise_RR")
        for s, beta in enumerate(betas(subject), start=1):
            stored = as_int16(beta)  # trials x X x Y x Z
            write_nifti(os.path.join(folder, f"betas_session{s:02d}.nii.gz"), stored.transpose(1, 2, 3, 0))
            if subject == 1:
                with h5py.File(os.path.join(folder, f"betas_session{s:02d}.hdf5"), "w") as f:
                    f.create_dataset("betas", data=stored.transpose(0, 3, 2, 1))  # trials x Z x Y x X
    # Bad inputs, for the error tests.
    bad = os.path.join(HERE, "bad")
    shutil.rmtree(bad, ignore_errors=True)
    os.makedirs(bad)
    short = as_int16(betas(1)[1])[:-1]
    write_nifti(os.path.join(bad, "betas_session02_short.nii.gz"), short.transpose(1, 2, 3, 0))
    write_nifti(os.path.join(bad, "nsdgeneral_subj02_grid.nii.gz"), roi(2))
    with open(os.path.join(bad, "captions_unknown_image.json"), "w") as f:
        json.dump(
            {"images": [{"id": coco_id(0)}], "annotations": [{"image_id": 999, "id": 1, "caption": "nowhere"}]}, f
        )


def dump():
    """What the Rust tests compare with: read back with scipy, h5py and nibabel."""
    d = scipy.io.loadmat(os.path.join(HERE, "nsddata", "experiments", "nsd", "nsd_expdesign.mat"))
    print("masterordering", d["masterordering"].shape, d["masterordering"][0, :8].astype(int).tolist())
    print("subjectim", d["subjectim"].shape, d["subjectim"][0].astype(int).tolist())
    print("sharedix", d["sharedix"].astype(int).tolist())
    folder = os.path.join(HERE, "nsddata_betas", "ppdata", "subj01", "func1pt8mm", "betas_fithrf_GLMdenoise_RR")
    img = nib.load(os.path.join(folder, "betas_session01.nii.gz"))
    mask = nib.load(os.path.join(HERE, "nsddata", "ppdata", "subj01", "func1pt8mm", "roi", "nsdgeneral.nii.gz"))
    m = np.asarray(mask.dataobj) == 1
    data = np.asarray(img.dataobj)
    masked = data[m].T / 300.0  # trials x voxels, voxels in C order of (x, y, z)
    print("roi voxels", int(m.sum()), "betas", data.shape, data.dtype)
    print("session01 trial0 first voxels (Fortran order)", (data.reshape(-1, TRIALS, order="F")[np.flatnonzero(m.ravel(order="F")), 0] / 300.0)[:4].tolist())
    with h5py.File(os.path.join(folder, "betas_session01.hdf5")) as f:
        h = f["betas"]
        print("hdf5 betas", h.shape, h.dtype, bool((h[:].transpose(3, 2, 1, 0) == data).all()))
    with h5py.File(os.path.join(HERE, "nsddata_stimuli", "stimuli", "nsd", "nsd_stimuli.hdf5")) as f:
        print("imgBrick", f["imgBrick"].shape, f["imgBrick"].chunks, f["imgBrick"][7, 0, 0].tolist())
    z = (masked - masked.mean(0)) / masked.std(0)
    print("session01 z-scored trial0 first voxels", z[0, :4].tolist())


if __name__ == "__main__":
    if "--dump" in sys.argv:
        dump()
    else:
        write_all()
