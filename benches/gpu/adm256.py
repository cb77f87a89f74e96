"""Reference side of the ADM-256 GPU check (benches/gpu/generation.sh).

    python gpu/adm256.py OUT_DIR [--device cuda] [--steps 5]

Builds OpenAI's unconditional 256x256 ADM (the BrainCLIP authors' model, guided-diffusion's
script_util with their settings) with random weights (seed 0), saves its state dict as
OUT_DIR/adm256.safetensors (for `brainclip convert-adm`), and OUT_DIR/reference.safetensors with
an input x, timesteps t and guided-diffusion's f32 output on the device (TF32 off). Then times one
CLIP-guided p_sample step at 256x256 with 16 x 2 cutouts (the authors' cond_fn; guide: the tiny
fixture CLIP copied to OUT_DIR/clip, loaded with transformers when available, else timing is skipped)
and prints `torch_seconds_per_guided_step`.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("GUIDED_DIFFUSION_SDK", os.path.join(here, "..", "vendor", "guided_diffusion_sdk")))
from guided_diffusion.script_util import create_model_and_diffusion, model_and_diffusion_defaults  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--device", default="cuda")
p.add_argument("--steps", type=int, default=5)
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
os.makedirs(a.out, exist_ok=True)
config = model_and_diffusion_defaults()
config.update({"attention_resolutions": "32, 16, 8", "class_cond": False, "diffusion_steps": 1000, "rescale_timesteps": True,
               "timestep_respacing": "800", "image_size": 256, "learn_sigma": True, "noise_schedule": "linear",
               "num_channels": 256, "num_head_channels": 64, "num_res_blocks": 2, "resblock_updown": True,
               "use_fp16": False, "use_scale_shift_norm": True})
torch.manual_seed(0)
model, diffusion = create_model_and_diffusion(**config)
with torch.no_grad():
    for prm in model.parameters():
        prm.add_(torch.randn_like(prm) * 0.02)
model.eval().requires_grad_(False)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(a.out, "adm256.safetensors"))
model.to(a.device)
g = torch.Generator().manual_seed(1)
x = torch.randn(1, 3, 256, 256, generator=g)
t = torch.tensor([500.0])
with torch.no_grad():
    out = model(x.to(a.device), t.to(a.device)).float().cpu()
save_file({"x": x, "t": t, "out": out}, os.path.join(a.out, "reference.safetensors"))
print(json.dumps({"params": sum(prm.numel() for prm in model.parameters()), "max_abs_out": out.abs().max().item()}))

try:
    from transformers import CLIPModel
except ImportError:
    print("transformers is not installed: the PyTorch guided-step timing is skipped")
    sys.exit(0)
clip = CLIPModel.from_pretrained(os.path.join(a.out, "clip")).eval().requires_grad_(False).to(a.device)
size = clip.config.vision_config.image_size
mean = torch.tensor([0.48145466, 0.4578275, 0.40821073], device=a.device).view(1, 3, 1, 1)
std = torch.tensor([0.26862954, 0.26130258, 0.27577711], device=a.device).view(1, 3, 1, 1)
target = torch.randn(1, clip.config.projection_dim, device=a.device)
cur_t, CUTN, CUTN_BATCHES = 700, 16, 2


def cond_fn(x, t, y=None):
    with torch.enable_grad():
        x = x.detach().requires_grad_()
        out = diffusion.p_mean_variance(model, x, torch.ones([1], dtype=torch.long, device=a.device) * cur_t, clip_denoised=True)
        fac = diffusion.sqrt_one_minus_alphas_cumprod[cur_t]
        x_in = out["pred_xstart"] * fac + x * (1 - fac)
        x_in_grad = torch.zeros_like(x_in)
        for _ in range(CUTN_BATCHES):
            cuts = []
            for _ in range(CUTN):
                s = int(torch.rand([]) * (256 - size) + size)
                ox, oy = int(torch.randint(0, 256 - s + 1, ())), int(torch.randint(0, 256 - s + 1, ()))
                cuts.append(F.adaptive_avg_pool2d(x_in.add(1).div(2)[:, :, oy:oy + s, ox:ox + s], size))
            emb = clip.get_image_features(pixel_values=(torch.cat(cuts) - mean) / std)
            emb = emb if torch.is_tensor(emb) else emb.pooler_output
            e, tg = F.normalize(emb, dim=-1), F.normalize(target, dim=-1)
            d = (e - tg).norm(dim=-1).div(2).arcsin().pow(2).mul(2)
            x_in_grad += torch.autograd.grad(d.mean() * 1000, x_in)[0] / CUTN_BATCHES
        pad = F.pad(x_in, (0, 1, 0, 1), "replicate")
        tv = ((pad[..., :-1, 1:] - pad[..., :-1, :-1]) ** 2 + (pad[..., 1:, :-1] - pad[..., :-1, :-1]) ** 2).mean()
        rng = (out["pred_xstart"] - out["pred_xstart"].clamp(-1, 1)).pow(2).mean()
        x_in_grad += torch.autograd.grad(tv * 150 + rng * 50, x_in)[0]
        return -torch.autograd.grad(x_in, x, x_in_grad)[0]


xd = x.to(a.device)
times = []
for k in range(a.steps + 1):
    torch.cuda.synchronize() if a.device.startswith("cuda") else None
    t0 = time.perf_counter()
    with torch.no_grad():
        diffusion.p_sample(model, xd, torch.tensor([cur_t], device=a.device), clip_denoised=True, cond_fn=cond_fn, model_kwargs={})["sample"].cpu()
    if k > 0:
        times.append(time.perf_counter() - t0)
print(f"torch_seconds_per_guided_step {statistics.median(times):.4f}")
