"""PyTorch reference for benches/clip_encoder.rs: the same tiny CLIPModel (tests/data/clip/tiny),
the same batch of 32 deterministic images, timed on the CPU (image tower + projection).

    python benches/reference/clip_encoder.py [repeats] [threads]

Prints `torch_images_per_s VALUE` (median over repeats).
"""

import statistics
import sys
import time

import numpy as np
import torch
from transformers import CLIPModel

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 50
if len(sys.argv) > 2:
    torch.set_num_threads(int(sys.argv[2]))
model = CLIPModel.from_pretrained("tests/data/clip/tiny").eval()
size, batch = model.config.vision_config.image_size, 32
i = np.arange(batch * 3 * size * size, dtype=np.int64)
x = torch.from_numpy((((i * 7919) % 1009).astype(np.float32) / 1009.0 - 0.5) * 3.0).reshape(batch, 3, size, size)


def encode():
    return model.visual_projection(model.vision_model(pixel_values=x).pooler_output)


with torch.inference_mode():
    for _ in range(5):
        encode()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        encode()
        times.append(time.perf_counter() - t)
ms = statistics.median(times) * 1e3
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {ms:.3f} ms per batch of {batch}")
print(f"torch_images_per_s {batch / (ms / 1e3):.1f}")
