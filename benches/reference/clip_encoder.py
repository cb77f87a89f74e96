"""PyTorch reference for benches/clip_encoder.rs: the same tiny CLIPModel (tests/data/clip/tiny),
the same batch of 32 deterministic images, timed on the CPU (image tower + projection).

    python benches/reference/clip_encoder.py [repeats] [threads] [--model DIR] [--json]

Prints `torch_images_per_s VALUE` (median over repeats); with --json one JSON line
(benches/run.sh, whose ViT-B/32-shaped model comes from make_clip_b32.py).
"""

import json
import resource
import statistics
import sys
import time

import numpy as np
import torch
from transformers import CLIPModel

argv = sys.argv[1:]
as_json = "--json" in argv
folder = "tests/data/clip/tiny"
if "--model" in argv:
    folder = argv[argv.index("--model") + 1]
    del argv[argv.index("--model") : argv.index("--model") + 2]
argv = [a for a in argv if a != "--json"]
repeats = int(argv[0]) if argv else 50
if len(argv) > 1:
    torch.set_num_threads(int(argv[1]))
model = CLIPModel.from_pretrained(folder).eval()
size, batch = model.config.vision_config.image_size, 32
i = np.arange(batch * 3 * size * size, dtype=np.int64)
x = torch.from_numpy((((i * 7919) % 1009).astype(np.float32) / 1009.0 - 0.5) * 3.0).reshape(batch, 3, size, size)


def encode():
    return model.visual_projection(model.vision_model(pixel_values=x).pooler_output)


with torch.inference_mode():
    first = encode()
    for _ in range(2 if as_json else 5):
        encode()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        encode()
        times.append(time.perf_counter() - t)
ms = statistics.median(times) * 1e3
if as_json:
    print(json.dumps({
        "implementation": "pytorch", "workload": "clip", "torch": torch.__version__, "batch": batch,
        "threads": torch.get_num_threads(), "images_per_s": batch / (ms / 1e3),
        "images_per_s_min": batch / max(times), "images_per_s_max": batch / min(times),
        "checksum64": float(first.flatten()[:64].double().sum()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    sys.exit(0)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {ms:.3f} ms per batch of {batch}")
print(f"torch_images_per_s {batch / (ms / 1e3):.1f}")
