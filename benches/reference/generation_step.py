"""PyTorch reference for benches/generation_step.rs: one CLIP-guided DDPM step with the BrainCLIP
authors' cond_fn (guided-diffusion's p_sample + condition_mean), the tiny ADM fixture
(tests/data/generation/adm/model.pt) and the tiny CLIP (tests/data/clip/tiny, transformers) at
48x48 with 16 cutouts x 2 batches, timed on the CPU.

    python benches/reference/generation_step.py [repeats] [threads]

Needs torch, transformers and guided-diffusion-sdk 1.0.0 (the authors' fork). Prints
`torch_seconds_per_step VALUE` (median over repeats).
"""

import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from guided_diffusion.script_util import create_model_and_diffusion, model_and_diffusion_defaults
from transformers import CLIPModel

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 10
if len(sys.argv) > 2:
    torch.set_num_threads(int(sys.argv[2]))
SIDE, CUTN, CUTN_BATCHES = 48, 16, 2
args = json.load(open("tests/data/generation/adm/args.json"))
config = model_and_diffusion_defaults()
config.update(args)
config["timestep_respacing"] = "10"
model, diffusion = create_model_and_diffusion(**config)
model.load_state_dict(torch.load("tests/data/generation/adm/model.pt", map_location="cpu"))
model.eval().requires_grad_(False)
clip = CLIPModel.from_pretrained("tests/data/clip/tiny").eval().requires_grad_(False)
mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)
g = torch.Generator().manual_seed(1)
x = torch.randn(1, 3, SIDE, SIDE, generator=g)
target = torch.randn(1, 32, generator=g)
boxes = []
for _ in range(CUTN * CUTN_BATCHES):
    size = int(torch.rand([], generator=g) * (SIDE - 32) + 32)
    boxes.append((size, int(torch.randint(0, SIDE - size + 1, (), generator=g)), int(torch.randint(0, SIDE - size + 1, (), generator=g))))
cur_t = 7


def spherical_dist_loss(a, b):
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    return (a - b).norm(dim=-1).div(2).arcsin().pow(2).mul(2)


def tv_loss(inp):
    inp = F.pad(inp, (0, 1, 0, 1), "replicate")
    return ((inp[..., :-1, 1:] - inp[..., :-1, :-1]) ** 2 + (inp[..., 1:, :-1] - inp[..., :-1, :-1]) ** 2).mean([1, 2, 3])


def range_loss(inp):
    return (inp - inp.clamp(-1, 1)).pow(2).mean([1, 2, 3])


def cond_fn(x, t, y=None):
    with torch.enable_grad():
        x = x.detach().requires_grad_()
        my_t = torch.ones([1], dtype=torch.long) * cur_t
        out = diffusion.p_mean_variance(model, x, my_t, clip_denoised=True)
        fac = diffusion.sqrt_one_minus_alphas_cumprod[cur_t]
        x_in = out["pred_xstart"] * fac + x * (1 - fac)
        x_in_grad = torch.zeros_like(x_in)
        for b in range(CUTN_BATCHES):
            cuts = [F.adaptive_avg_pool2d(x_in.add(1).div(2)[:, :, oy:oy + s, ox:ox + s], 32)
                    for s, ox, oy in boxes[b * CUTN:(b + 1) * CUTN]]
            emb = clip.get_image_features(pixel_values=(torch.cat(cuts) - mean) / std)
            emb = emb if torch.is_tensor(emb) else emb.pooler_output
            losses = spherical_dist_loss(emb.unsqueeze(1), target.unsqueeze(0)).view([CUTN, 1, -1]).sum(2).mean(0)
            x_in_grad += torch.autograd.grad(losses.sum() * 1000, x_in)[0] / CUTN_BATCHES
        loss = tv_loss(x_in).sum() * 150 + range_loss(out["pred_xstart"]).sum() * 50
        x_in_grad += torch.autograd.grad(loss, x_in)[0]
        return -torch.autograd.grad(x_in, x, x_in_grad)[0]


def step():
    with torch.no_grad():
        return diffusion.p_sample(model, x, torch.tensor([cur_t]), clip_denoised=True, cond_fn=cond_fn, model_kwargs={})["sample"]


for _ in range(2):
    step()
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
s = statistics.median(times)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {s * 1e3:.1f} ms per guided step")
print(f"torch_seconds_per_step {s:.6f}")
