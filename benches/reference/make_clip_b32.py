"""Write a randomly initialised CLIP model with ViT-B/32's image tower (224 px, patch 32, 12
layers, width 768, projection 512) for benches/run.sh: both brainclip and transformers load it,
so the image encoders are timed on the same weights. The text tower is made small (it is not
timed; it uses the tokenizer of the repository's tiny fixture, tests/data/clip/tiny). Seeded:
the same file every time.

    python benches/reference/make_clip_b32.py OUT_DIR
"""

import json
import shutil
import sys
from pathlib import Path

import torch
from transformers import CLIPConfig, CLIPModel

torch.manual_seed(0)
config = CLIPConfig(
    text_config=dict(vocab_size=1514, hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=2),
    vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                       image_size=224, patch_size=32),
    projection_dim=512,
)
out, tiny = Path(sys.argv[1]), Path(__file__).resolve().parents[2] / "tests/data/clip/tiny"
CLIPModel(config).eval().save_pretrained(out, safe_serialization=True)
for name in ("vocab.json", "merges.txt"):
    shutil.copy(tiny / name, out / name)
pre = json.loads((tiny / "preprocessor_config.json").read_text())
pre.update(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
(out / "preprocessor_config.json").write_text(json.dumps(pre, indent=2))
print(f"wrote a random ViT-B/32-shaped CLIP to {sys.argv[1]}")
