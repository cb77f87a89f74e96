"""Generate the modified-ResNet OpenCLIP fixtures (not run by the test suite).

    /work/venvs/gen/bin/python tests/data/clip/generate_resnet.py

Needs the fixtures of generate.py (tiny/merges.txt, tiny/vocab.json, reference.safetensors).
Writes into tests/data/clip/:
  tiny_resnet/                   a tiny random OpenCLIP CLIP with OpenAI's ModifiedResNet image
                                 tower, in OpenCLIP's file layout: open_clip_config.json,
                                 open_clip_model.safetensors (the state dict as saved, with
                                 BatchNorm's integer num_batches_tracked), merges.txt (the
                                 1000-merge BPE of tiny/)
  reference_resnet.safetensors   inputs, encode_image / encode_text features (not normalised), the
                                 gradient of a loss of the image features with respect to the
                                 pixels, and torch's FLOP counts
"""

import json
import os
import shutil

import numpy as np
import open_clip
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch.utils.flop_counter import FlopCounterMode

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "tiny_resnet")
IMAGE = 64


def tiny_config(vocab_size):
    # width 8: stem 4/4/8 channels, stages of 8/16/32/64 planes (32..256 channels out), an
    # attention pool of width 32·8 = 256 with 256 // 64 = 4 heads (OpenCLIP's
    # vision_cfg.width * 32 // head_width). 64 px give a 2×2 last feature map: 5 tokens.
    # Two blocks in stages 1 and 4 exercise blocks without a downsampling shortcut.
    return {
        "embed_dim": 32,
        "quick_gelu": True,
        "vision_cfg": {"image_size": IMAGE, "layers": [2, 1, 1, 2], "width": 8, "patch_size": None},
        "text_cfg": {"context_length": 77, "vocab_size": vocab_size, "width": 32, "heads": 4, "layers": 1},
    }


def randomise(model):
    """Random BatchNorm affine parameters and running statistics (OpenCLIP initialises the last
    BatchNorm of every block to zero and fresh running stats are 0/1), random embeddings."""
    g = torch.Generator().manual_seed(3)
    named = [(n, m) for n, m in model.visual.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]
    bns = [m for _, m in named]
    with torch.no_grad():
        for name, bn in named:
            c = bn.num_features
            # The BatchNorms that end a residual branch or a shortcut get smaller scales, so
            # that the residual sum stays of order one through the stages.
            low = 0.3 if name.endswith("bn3") or name.endswith("downsample.1") else 0.6
            bn.weight.copy_(low + 0.4 * torch.rand(c, generator=g))
            bn.bias.copy_(0.1 * torch.randn(c, generator=g))
        # Running statistics from the data they will see (so activations stay of order one),
        # then perturbed so that they are not exactly the batch's.
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average
        model.visual.train()
        for _ in range(2):
            model.visual(torch.randn(8, 3, IMAGE, IMAGE, generator=g))
        model.visual.eval()
        for bn in bns:
            c = bn.num_features
            bn.running_mean.add_(0.1 * bn.running_var.sqrt() * torch.randn(c, generator=g))
            bn.running_var.mul_(0.7 + 0.6 * torch.rand(c, generator=g))
        for name, p in model.named_parameters():
            if "positional_embedding" in name or "token_embedding" in name:
                p.add_(0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1 and "visual" not in name:  # LayerNorms and biases of the text tower
                p.add_(0.2 * torch.randn(p.shape, generator=g))
            elif name.startswith("visual.attnpool") and name.endswith("bias"):
                p.add_(0.2 * torch.randn(p.shape, generator=g))
        model.logit_scale.fill_(2.0)


def flops(module, x):
    """FLOPs (2 per multiply-add) torch counts for convolutions and matrix products."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(x)
    return counter.get_total_flops(), {str(k): v for k, v in counter.get_flop_counts().get("Global", {}).items()}


def main():
    with safe_open(os.path.join(HERE, "reference.safetensors"), "pt") as f:
        text_ids = f.get_tensor("text_ids")
    with open(os.path.join(HERE, "tiny", "vocab.json"), encoding="utf-8") as f:
        vocab_size = len(json.load(f))
    cfg = tiny_config(vocab_size)
    torch.manual_seed(4)
    model = open_clip.model.CLIP(**cfg).eval()
    assert isinstance(model.visual, open_clip.modified_resnet.ModifiedResNet)
    assert model.visual.attnpool.num_heads == 4
    randomise(model)

    os.makedirs(FOLDER, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(FOLDER, "open_clip_model.safetensors"))
    with open(os.path.join(FOLDER, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": cfg}, f, indent=1)
    shutil.copy(os.path.join(HERE, "tiny", "merges.txt"), os.path.join(FOLDER, "merges.txt"))

    g = torch.Generator().manual_seed(5)
    pixels = torch.randn(3, 3, IMAGE, IMAGE, generator=g)
    direction = torch.randn(cfg["embed_dim"], generator=g)
    with torch.no_grad():
        image = model.encode_image(pixels)
        text = model.encode_text(text_ids)
    # loss(x) = Σ_images ⟨normalise(encode_image(x)), direction⟩ and its gradient.
    x = pixels.clone().requires_grad_(True)
    loss = (torch.nn.functional.normalize(model.encode_image(x), dim=-1) @ direction).sum()
    (grad,) = torch.autograd.grad(loss, x)

    tiny_flops, tiny_ops = flops(model.visual, pixels[:1])
    rn50 = open_clip.create_model("RN50-quickgelu").eval()
    rn50_flops, rn50_ops = flops(rn50.visual, torch.randn(1, 3, 224, 224))
    print("tiny image tower:", tiny_flops, tiny_ops)
    print("RN50 image tower:", rn50_flops, rn50_ops)
    print("features: image |max|", image.abs().max().item(), "text |max|", text.abs().max().item())
    print("gradient |max|", grad.abs().max().item(), "loss", loss.item())

    save_file(
        {
            "text_ids": text_ids.contiguous(),
            "pixel_values": pixels.contiguous(),
            "image_embeds": image.contiguous(),
            "text_embeds": text.contiguous(),
            "direction": direction.contiguous(),
            "loss": loss.detach().reshape(1).contiguous(),
            "pixel_grad": grad.contiguous(),
        },
        os.path.join(HERE, "reference_resnet.safetensors"),
        metadata={
            "open_clip": open_clip.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "flops_tiny": str(tiny_flops),
            "flops_tiny_ops": json.dumps(tiny_ops),
            "flops_rn50": str(rn50_flops),
            "flops_rn50_ops": json.dumps(rn50_ops),
        },
    )
    print("torch", torch.__version__, "open_clip", open_clip.__version__)


if __name__ == "__main__":
    main()
