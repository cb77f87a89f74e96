"""Golden values for brainclip's image-reconstruction metrics (tests/recon_metrics.rs).

Not run by the test suite. From the repository root:

    /work/venvs/gen/bin/python tests/data/recon/generate.py

(numpy, scipy, scikit-image, torch and torchvision; versions in README.md). It writes the
input images as 8-bit PNGs, the feature matrices as float32 .npy, a few resized images as
float64 .npy and every reference value to reference.json.

The metrics are computed as MindEye2's `final_evaluations.ipynb` computes them (PixCorr: torchvision
`Resize(425, BILINEAR)` then `np.corrcoef` of the flattened images; SSIM: the same resize,
`rgb2gray`, `structural_similarity(rec, im, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1.0)`; 2-way identification: `two_way_identification`'s
numpy code on feature matrices), with two deliberate differences, both to share exact inputs with
the Rust side:

- inputs are the float32 values `np.float32(v) / np.float32(255)` of the PNGs (what
  `brainclip::eval::recon::Image` holds), taken to float64;
- the resize runs on float64 tensors (MindEye2 resizes float32 ones); `float32` in
  reference.json records how far the float32 pipeline is from the float64 one.

Resizes are to `(size, size)`: for MindEye2's square images `Resize(425)` is the same (checked
below); for non-square ones `Resize(425)` would keep the aspect ratio and the images of a pair
could not be compared pixel by pixel.
"""

import json
import pathlib
import sys
import warnings

import numpy as np
import PIL
import scipy
import skimage
import torch
import torchvision
from PIL import Image
from scipy.spatial.distance import correlation
from skimage.color import rgb2gray
from skimage.metrics import structural_similarity
from torchvision import transforms

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent  # tests/data
CAT = "clip/photos/cat.png"  # 320 × 240 (W × H)
rng = np.random.default_rng(20240607)


def save_png(name, u8):
    assert u8.dtype == np.uint8 and u8.ndim == 3 and u8.shape[2] == 3
    Image.fromarray(u8, "RGB").save(HERE / name, optimize=True)
    return f"recon/{name}"


def to_u8(x):
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def load(rel, dtype=np.float64):
    """The image's float32 values v / 255 (as brainclip's Image holds them), in `dtype`."""
    u8 = np.asarray(Image.open(DATA / rel).convert("RGB"))
    return (u8.astype(np.float32) / np.float32(255)).astype(dtype)


def cat_u8():
    return np.asarray(Image.open(DATA / CAT).convert("RGB"))


def smooth_noise(h, w, blur=4):
    x = rng.random((h + 2 * blur, w + 2 * blur, 3))
    k = np.ones(2 * blur + 1) / (2 * blur + 1)
    for axis in (0, 1):
        x = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), axis, x)
    x = x[blur:-blur, blur:-blur]
    return (x - x.min()) / (x.max() - x.min())


def noisy(x, sd):
    return np.clip(x + rng.normal(0, sd, x.shape), 0, 1)


def pil_resize(u8, w, h):
    return np.asarray(Image.fromarray(u8).resize((w, h), Image.BILINEAR))


# ---------------------------------------------------------------- images
def small_set():
    """5 pairs of 48 × 40 (H × W) images, real and generated of equal size."""
    h, w = 48, 40
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    gradient = np.stack([xx, yy, 0.5 + 0.5 * np.sin(6 * xx + 4 * yy)], -1)
    checker = np.kron((np.indices((6, 5)).sum(0) % 2), np.ones((8, 8)))[..., None] * np.array([0.9, 0.6, 0.2])
    noise = rng.random((h, w, 3))
    smooth = smooth_noise(h, w)
    crop = cat_u8()[100 : 100 + h, 140 : 140 + w] / 255.0
    real = [gradient, checker, noise, smooth, crop]
    generated = [
        noisy(gradient, 0.1),
        np.roll(checker, 3, axis=1),
        rng.random((h, w, 3)),
        1.0 - smooth,
        noisy(np.roll(crop, 2, axis=0), 0.05),
    ]
    r = [save_png(f"small_real_{i}.png", to_u8(x)) for i, x in enumerate(real)]
    g = [save_png(f"small_gen_{i}.png", to_u8(x)) for i, x in enumerate(generated)]
    return r, g


def mixed_set():
    """5 pairs of different sizes: the full cat photo (240 × 320) and 64 × 64 / 48 × 40 images."""
    cat = cat_u8()
    cat64 = pil_resize(cat, 64, 64) / 255.0
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    radial = np.stack([np.cos(10 * np.hypot(xx - 0.5, yy - 0.5)) * 0.5 + 0.5, xx, 1 - yy], -1)
    stripes = (np.sin(2 * np.pi * 5 * xx)[..., None] * 0.4 + 0.5) * np.array([1.0, 0.8, 0.3])
    noise = smooth_noise(64, 64, 2)
    crop = cat[40:168, 100:228]  # 128 × 128
    crop64 = pil_resize(crop, 64, 64) / 255.0
    real = [CAT]
    real += [save_png(f"mixed_real_{i}.png", to_u8(x)) for i, x in enumerate([radial, stripes, noise, crop64], 1)]
    generated = [
        noisy(cat64, 0.08),
        noisy(pil_resize(to_u8(radial), 40, 48) / 255.0, 0.05),  # 48 × 40
        np.roll(stripes, 4, axis=1),
        smooth_noise(64, 64, 2),
        noisy(pil_resize(crop, 40, 48) / 255.0, 0.1),  # 48 × 40
    ]
    gen = [save_png(f"mixed_gen_{i}.png", to_u8(x)) for i, x in enumerate(generated)]
    return real, gen


# ---------------------------------------------------------------- metrics
def tv_resize(x, size, antialias):
    """torchvision Resize((h, w), BILINEAR, antialias) of an H × W × 3 array, on a tensor of its dtype."""
    h, w = (size, size) if isinstance(size, int) else size
    t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
    resize = transforms.Resize((h, w), interpolation=transforms.InterpolationMode.BILINEAR, antialias=antialias)
    return resize(t)[0].numpy().transpose(1, 2, 0)


def prepare(a, b, size, antialias):
    if size is None:
        assert a.shape == b.shape
        return a, b
    return tv_resize(a, size, antialias), tv_resize(b, size, antialias)


def pixcorr(real, gen, size, antialias):
    out = []
    for a, b in zip(real, gen):
        a, b = prepare(a, b, size, antialias)
        # MindEye2 flattens 3 × H × W; the order does not change r
        chw = np.corrcoef(a.transpose(2, 0, 1).reshape(-1), b.transpose(2, 0, 1).reshape(-1))[0][1]
        hwc = np.corrcoef(a.reshape(-1), b.reshape(-1))[0][1]
        assert abs(chw - hwc) < 1e-14
        out.append(float(chw))
    return out


def ssim(real, gen, size, antialias):
    out = []
    for a, b in zip(real, gen):
        a, b = prepare(a, b, size, antialias)
        im, rec = rgb2gray(a), rgb2gray(b)
        out.append(
            float(
                structural_similarity(
                    rec, im, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0
                )
            )
        )
    return out


def two_way_identification(reals, preds):
    """MindEye2's `two_way_identification` after the feature extraction, verbatim."""
    r = np.corrcoef(reals, preds)
    r = r[: len(reals), len(reals) :]
    congruents = np.diag(r)
    success = r < congruents
    success_cnt = np.sum(success, 0)
    perf = np.mean(success_cnt) / (len(reals) - 1)
    return success_cnt, perf


def features(name, real, gen):
    np.save(HERE / f"{name}_real.npy", real.astype(np.float32))
    np.save(HERE / f"{name}_generated.npy", gen.astype(np.float32))
    real = np.load(HERE / f"{name}_real.npy").astype(np.float64)
    gen = np.load(HERE / f"{name}_generated.npy").astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN correlations of constant rows
        successes, perf = two_way_identification(real, gen)
        distances = [float(correlation(a, b)) for a, b in zip(real, gen)]
    return {
        "real": f"recon/{name}_real.npy",
        "generated": f"recon/{name}_generated.npy",
        "successes": [int(s) for s in successes],
        "accuracy": float(perf),
        # scipy gives NaN for a constant row; brainclip documents distance 1 there
        "distance": [d if np.isfinite(d) else None for d in distances],
    }


def main():
    small_real, small_gen = small_set()
    mixed_real, mixed_gen = mixed_set()
    ref = {
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-image": skimage.__version__,
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "Pillow": PIL.__version__,
        }
    }
    for name, real_files, gen_files, sizes in [
        ("small", small_real, small_gen, [None, 32, 425]),
        ("mixed", mixed_real, mixed_gen, [32, 425]),
    ]:
        real = [load(f) for f in real_files]
        gen = [load(f) for f in gen_files]
        entry = {"real": real_files, "generated": gen_files, "pixcorr": {}, "ssim": {}}
        for size in sizes:
            for antialias in [True, False] if size is not None else [True]:
                key = "none" if size is None else f"{size}_{'aa' if antialias else 'noaa'}"
                entry["pixcorr"][key] = pixcorr(real, gen, size, antialias)
                entry["ssim"][key] = ssim(real, gen, size, antialias)
        ref[name] = entry

    # Resize(425) of a square image is Resize((425, 425)); and MindEye2's float32 pipeline vs float64
    sq = load(mixed_real[1])
    t = torch.from_numpy(np.ascontiguousarray(sq.transpose(2, 0, 1)))[None]
    one = transforms.Resize(425, interpolation=transforms.InterpolationMode.BILINEAR)(t)
    assert torch.equal(one, transforms.Resize((425, 425), interpolation=transforms.InterpolationMode.BILINEAR)(t))
    real32 = [load(f, np.float32) for f in mixed_real]
    gen32 = [load(f, np.float32) for f in mixed_gen]
    ref["float32"] = {
        "note": "mixed set, 425 antialiased, computed in float32 as MindEye2 does: max |float32 − float64|",
        "pixcorr": max(abs(a - b) for a, b in zip(pixcorr(real32, gen32, 425, True), ref["mixed"]["pixcorr"]["425_aa"])),
        "ssim": max(abs(a - b) for a, b in zip(ssim(real32, gen32, 425, True), ref["mixed"]["ssim"]["425_aa"])),
    }

    # resized images themselves
    ref["resize"] = []
    for src, (h, w), antialias in [
        (CAT, (32, 32), True),
        (CAT, (32, 32), False),
        (CAT, (24, 330), True),
        (small_real[0], (61, 57), True),
    ]:
        out = tv_resize(load(src), (h, w), antialias)
        file = f"resize_{pathlib.Path(src).stem}_{h}x{w}_{'aa' if antialias else 'noaa'}.npy"
        np.save(HERE / file, out)
        ref["resize"].append(
            {"image": src, "height": h, "width": w, "antialias": antialias, "expected": f"recon/{file}"}
        )

    # features: 50 pairs of 128 random features, generated = real + 8 · noise (r ≈ 0.12 with its
    # own real row against ± 0.09 with others: 2-way around 0.8, so the counts vary)
    real = rng.standard_normal((50, 128))
    gen = real + 8.0 * rng.standard_normal((50, 128))
    ref["identification"] = {"random": features("features", real, gen)}
    # constant rows: real 2 and generated 5 (numpy: NaN correlations, comparisons false)
    real = rng.standard_normal((8, 16))
    gen = real + rng.standard_normal((8, 16))
    real[2] = 0.25
    gen[5] = -1.0
    ref["identification"]["constant_rows"] = features("constant", real, gen)

    with open(HERE / "reference.json", "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    print(json.dumps(ref["float32"]), f"fixtures: {total} bytes")


if __name__ == "__main__":
    main()
