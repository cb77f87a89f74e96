#!/usr/bin/env python3
"""Reference fixtures for brainclip's CLIP-guided diffusion (tests/data/generation/).

Writes, next to this file:
  unet_plain/ unet_adm/ unet_flip/   tiny random diffusers UNet2DModel folders (save_pretrained)
  adm/model.pt adm/args.json
                                     a tiny random guided-diffusion UNet in guided-diffusion's own layout
  adm_diffusers/                     the same weights converted to a diffusers UNet2DModel folder
  reference.safetensors              expected values (float32): UNet forwards, schedules, respacing,
                                     sampler steps, q_sample, trajectories, guidance gradient

Run:  /work/venvs/gen/bin/python tests/data/generation/generate.py
Deterministic (every section seeds torch itself). The test suite never runs this script.
See README.md in this folder for the meaning of every key.
"""

import contextlib
import importlib.metadata as md
import json
import os
import platform
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=FutureWarning)  # guided-diffusion's torch.cuda.amp decorators

import torch
from torch.nn import functional as F
from safetensors.torch import save_file

# guided-diffusion-sdk 1.0.0 (Crowson's fork of openai/guided-diffusion, the one BrainCLIP uses)
import guided_diffusion.gaussian_diffusion as gd_mod
from guided_diffusion.gaussian_diffusion import get_named_beta_schedule
from guided_diffusion.respace import space_timesteps
from guided_diffusion.script_util import (
    create_gaussian_diffusion,
    create_model_and_diffusion,
    model_and_diffusion_defaults,
)
from diffusers import UNet2DModel
from transformers import CLIPModel

HERE = Path(__file__).resolve().parent
CLIP_DIR = HERE.parent / "clip" / "tiny"
REF = {}  # key -> float32 tensor, written to reference.safetensors


def put(key, value):
    assert key not in REF, key
    t = torch.as_tensor(value).detach().to(torch.float32).contiguous().clone()
    REF[key] = t


# ----------------------------------------------------------------------------------------------
# versions
# ----------------------------------------------------------------------------------------------

def versions():
    v = {"python": platform.python_version()}
    for p in ["torch", "torchvision", "diffusers", "transformers", "guided-diffusion-sdk",
              "safetensors", "numpy"]:
        v[p] = md.version(p)
    assert v["torch"].startswith("2.9.0"), v["torch"]
    print("versions:", json.dumps(v))
    return v


@contextlib.contextmanager
def fixed_randn_like(noises):
    """Make torch.randn_like return the given tensors, one per call, in order.

    guided-diffusion draws sampler noise only through `th.randn_like(x)` (p_sample, ddim_sample);
    `th` is the torch module, so patching torch.randn_like is what the sampler sees.
    Yields a list that records how many were used."""
    queue = list(noises)
    used = []
    orig = torch.randn_like

    def fake(x, *a, **k):
        assert queue, "sampler asked for more noise than provided"
        n = queue.pop(0)
        assert n.shape == x.shape, (n.shape, x.shape)
        used.append(n)
        return n.clone().to(x.dtype)

    torch.randn_like = fake
    try:
        yield used
    finally:
        torch.randn_like = orig


# ----------------------------------------------------------------------------------------------
# 1. tiny diffusers UNets (t.py's configs)
# ----------------------------------------------------------------------------------------------

TINY_BASE = dict(sample_size=16, in_channels=3, layers_per_block=1, block_out_channels=(16, 32),
                 norm_num_groups=8, attention_head_dim=8)
TINY_CONFIGS = {
    "plain": dict(TINY_BASE, out_channels=3,
                  down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                  up_block_types=("AttnUpBlock2D", "UpBlock2D")),
    "adm": dict(TINY_BASE, out_channels=6,
                down_block_types=("ResnetDownsampleBlock2D", "AttnDownBlock2D"),
                up_block_types=("AttnUpBlock2D", "ResnetUpsampleBlock2D"),
                downsample_type="resnet", upsample_type="resnet",
                resnet_time_scale_shift="scale_shift"),
    "flip": dict(TINY_BASE, out_channels=3,
                 down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                 up_block_types=("AttnUpBlock2D", "UpBlock2D"),
                 flip_sin_to_cos=False, freq_shift=1),
}


def randomise_diffusers(model):
    """Every parameter += N(0, 0.02) (so zero-initialised conv_out / resnet conv2 are not zero);
    GroupNorm/LayerNorm weight and bias get another N(0, 0.1) so they are visibly not 1 / 0."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
        for m in model.modules():
            if isinstance(m, (torch.nn.GroupNorm, torch.nn.LayerNorm)):
                m.weight.add_(torch.randn_like(m.weight) * 0.1)
                m.bias.add_(torch.randn_like(m.bias) * 0.1)


def tiny_unets():
    for i, (name, cfg) in enumerate(TINY_CONFIGS.items()):
        torch.manual_seed(100 + i)
        model = UNet2DModel(**cfg).eval()
        randomise_diffusers(model)
        assert all(p.abs().sum() > 0 for p in model.parameters())
        folder = HERE / f"unet_{name}"
        model.save_pretrained(folder, safe_serialization=True)
        n = sum(p.numel() for p in model.parameters())
        x = torch.randn(2, 3, 16, 16)
        t = torch.tensor([999.0, 37.0])
        t_frac = torch.tensor([500.5, 3.25])
        with torch.no_grad():
            out = model(x, t).sample
            out_frac = model(x, t_frac).sample
            # the folder reloads to the same function
            again = UNet2DModel.from_pretrained(folder).eval()
            assert (again(x, t).sample - out).abs().max().item() == 0.0
        put(f"{name}.x", x)
        put(f"{name}.t", t)
        put(f"{name}.out", out)
        put(f"{name}.t_frac", t_frac)
        put(f"{name}.out_frac", out_frac)
        print(f"unet_{name}: {n} params, out std {out.std().item():.4g}, max {out.abs().max().item():.4g}")


# ----------------------------------------------------------------------------------------------
# 2. the tiny guided-diffusion (ADM) model in its own layout, and its diffusers conversion
# ----------------------------------------------------------------------------------------------

ADM_ARGS_UPDATE = dict(image_size=32, num_channels=32, num_res_blocks=1, channel_mult="1,2",
                       attention_resolutions="16", num_head_channels=8, resblock_updown=True,
                       use_scale_shift_norm=True, learn_sigma=True, class_cond=False,
                       diffusion_steps=1000, noise_schedule="linear", rescale_timesteps=True,
                       timestep_respacing="10", use_fp16=False)


def adm_model():
    args = model_and_diffusion_defaults()
    args.update(ADM_ARGS_UPDATE)
    torch.manual_seed(0)
    model, diffusion = create_model_and_diffusion(**args)
    with torch.no_grad():
        for p in model.parameters():  # as cmp.py: zero_module'd layers become non-zero
            p.add_(torch.randn_like(p) * 0.02)
    model.eval().requires_grad_(False)
    folder = HERE / "adm"
    folder.mkdir(exist_ok=True)
    sd = model.state_dict()
    torch.save(sd, folder / "model.pt")  # as OpenAI ships 256x256_diffusion_uncond.pt
    (folder / "args.json").write_text(json.dumps(args, indent=2) + "\n")
    # reload check
    back = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    assert list(back) == list(sd) and all(torch.equal(back[k], sd[k]) for k in sd)
    print(f"adm: {sum(p.numel() for p in model.parameters())} params, {len(sd)} tensors, "
          f"timestep_map {list(diffusion.timestep_map)}")

    torch.manual_seed(1)
    x = torch.randn(2, 3, 32, 32)
    t = torch.tensor([999.0, 111.0])  # the sampler passes float timesteps (see README)
    with torch.no_grad():
        out = model(x, t)
    put("guided.x", x)
    put("guided.t", t)
    put("guided.out", out)
    print(f"guided.out std {out.std().item():.4g}")
    return model, diffusion, args


ADM_DIFFUSERS_CONFIG = dict(sample_size=32, in_channels=3, out_channels=6, layers_per_block=1,
                            block_out_channels=(32, 64),
                            down_block_types=("ResnetDownsampleBlock2D", "AttnDownBlock2D"),
                            up_block_types=("AttnUpBlock2D", "ResnetUpsampleBlock2D"),
                            downsample_type="resnet", upsample_type="resnet",
                            norm_num_groups=32, attn_norm_num_groups=32, attention_head_dim=8,
                            resnet_time_scale_shift="scale_shift")

RES_MAP = {"in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj",
           "out_layers.0": "norm2", "out_layers.3": "conv2", "skip_connection": "conv_shortcut"}


def convert_adm(sd, head_dim=8):
    """cmp.py's mapping: guided-diffusion UNet (this config) -> diffusers UNet2DModel keys.
    Legacy QKV (QKVAttentionLegacy) is head-major: qkv rows = [H, 3, head_dim]."""
    new = {}

    def res(o, n):
        for a, b in RES_MAP.items():
            for s in ("weight", "bias"):
                if f"{o}.{a}.{s}" in sd:
                    new[f"{n}.{b}.{s}"] = sd[f"{o}.{a}.{s}"]

    def att(o, n):
        w = sd[f"{o}.qkv.weight"].squeeze(-1)  # [3C, C] (conv1d kernel 1)
        ch = w.shape[1]
        heads = ch // head_dim
        w = w.reshape(heads, 3, head_dim, ch)
        b = sd[f"{o}.qkv.bias"].reshape(heads, 3, head_dim)
        for i, nm in enumerate(("to_q", "to_k", "to_v")):
            new[f"{n}.{nm}.weight"] = w[:, i].reshape(ch, ch)
            new[f"{n}.{nm}.bias"] = b[:, i].reshape(ch)
        new[f"{n}.to_out.0.weight"] = sd[f"{o}.proj_out.weight"].squeeze(-1)
        new[f"{n}.to_out.0.bias"] = sd[f"{o}.proj_out.bias"]
        new[f"{n}.group_norm.weight"] = sd[f"{o}.norm.weight"]
        new[f"{n}.group_norm.bias"] = sd[f"{o}.norm.bias"]

    def copy(src, dst):
        for s in ("weight", "bias"):
            new[f"{dst}.{s}"] = sd[f"{src}.{s}"]

    copy("time_embed.0", "time_embedding.linear_1")
    copy("time_embed.2", "time_embedding.linear_2")
    copy("input_blocks.0.0", "conv_in")
    res("input_blocks.1.0", "down_blocks.0.resnets.0")
    res("input_blocks.2.0", "down_blocks.0.downsamplers.0")
    res("input_blocks.3.0", "down_blocks.1.resnets.0")
    att("input_blocks.3.1", "down_blocks.1.attentions.0")
    res("middle_block.0", "mid_block.resnets.0")
    att("middle_block.1", "mid_block.attentions.0")
    res("middle_block.2", "mid_block.resnets.1")
    res("output_blocks.0.0", "up_blocks.0.resnets.0")
    att("output_blocks.0.1", "up_blocks.0.attentions.0")
    res("output_blocks.1.0", "up_blocks.0.resnets.1")
    att("output_blocks.1.1", "up_blocks.0.attentions.1")
    res("output_blocks.1.2", "up_blocks.0.upsamplers.0")
    res("output_blocks.2.0", "up_blocks.1.resnets.0")
    res("output_blocks.3.0", "up_blocks.1.resnets.1")
    copy("out.0", "conv_norm_out")
    copy("out.2", "conv_out")
    return {k: v.contiguous().clone() for k, v in new.items()}


def adm_to_diffusers(model):
    sd = model.state_dict()
    new = convert_adm(sd)
    d = UNet2DModel(**ADM_DIFFUSERS_CONFIG).eval()
    d.load_state_dict(new, strict=True)  # raises on any missing / unexpected key
    d.save_pretrained(HERE / "adm_diffusers", safe_serialization=True)
    d = UNet2DModel.from_pretrained(HERE / "adm_diffusers").eval()
    torch.manual_seed(2)
    diffs = {}
    cases = [("guided.x/t (32x32, t 999,111)", REF["guided.x"], REF["guided.t"]),
             ("32x32, t 500.5,3.25", torch.randn(2, 3, 32, 32), torch.tensor([500.5, 3.25])),
             ("48x48, t 777,0", torch.randn(1, 3, 48, 48), torch.tensor([777.0]))]
    with torch.no_grad():
        for label, x, t in cases:
            a = model(x, t)
            b = d(x, t).sample
            diffs[label] = (a - b).abs().max().item()
            print(f"adm_diffusers vs guided-diffusion [{label}]: max abs diff {diffs[label]:.3g} "
                  f"(max |out| {a.abs().max().item():.3g})")
            assert diffs[label] < 1e-5, diffs
    print(f"adm_diffusers: {len(new)} tensors (guided-diffusion: {len(sd)})")
    return diffs


# ----------------------------------------------------------------------------------------------
# 3. schedules and respacing
# ----------------------------------------------------------------------------------------------

RESPACINGS = {"800": "800", "ddim50": "ddim50", "10": "10", "ddim10": "ddim10",
              "25_15": "25,15", "250": "250"}


def schedules():
    for s in ("linear", "cosine"):
        put(f"betas.{s}", torch.from_numpy(get_named_beta_schedule(s, 1000)))
    for key, spec in RESPACINGS.items():
        put(f"respace.{key}", torch.tensor(sorted(space_timesteps(1000, spec)), dtype=torch.float64))
    # extra: the respaced betas guided-diffusion derives (float64 -> float32)
    for s in ("linear", "cosine"):
        for spec in ("10", "ddim10"):
            d = create_gaussian_diffusion(steps=1000, learn_sigma=True, noise_schedule=s,
                                          rescale_timesteps=True, timestep_respacing=spec)
            put(f"spaced.{s}.{spec}.betas", torch.from_numpy(d.betas))


# ----------------------------------------------------------------------------------------------
# 4. single sampler steps with a fake model output, and q_sample
# ----------------------------------------------------------------------------------------------

class Fake(torch.nn.Module):
    """A 'model' that returns a fixed output, whatever x and t (sch.py)."""

    def __init__(self, out):
        super().__init__()
        self.out = out
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, t, **k):
        return self.out


def sampler_steps():
    torch.manual_seed(3)
    model_out = torch.randn(1, 6, 8, 8)
    model_out[:, 3:] = model_out[:, 3:].tanh()  # the learned-range channel lives in [-1, 1]
    x = torch.randn(1, 3, 8, 8)
    noise = torch.randn(1, 3, 8, 8)
    put("step.model_out", model_out)
    put("step.x", x)
    put("step.noise", noise)
    learned, small = Fake(model_out), Fake(model_out[:, :3].clone())
    for s in ("linear", "cosine"):
        kw = dict(steps=1000, noise_schedule=s, rescale_timesteps=True)
        ddpm_l = create_gaussian_diffusion(learn_sigma=True, timestep_respacing="10", **kw)
        ddpm_s = create_gaussian_diffusion(learn_sigma=False, sigma_small=True, timestep_respacing="10", **kw)
        ddim = create_gaussian_diffusion(learn_sigma=True, timestep_respacing="ddim10", **kw)
        for i in (9, 5, 1, 0):
            t = torch.tensor([i])
            with torch.no_grad():
                for tag, diff, m in (("ddpm_learned", ddpm_l, learned), ("ddpm_fixed_small", ddpm_s, small)):
                    out = diff.p_mean_variance(m, x, t, clip_denoised=True)
                    with fixed_randn_like([noise]) as used:
                        smp = diff.p_sample(m, x, t, clip_denoised=True)
                    assert len(used) == 1
                    mask = float(i != 0)  # p_sample's nonzero_mask
                    manual = out["mean"] + mask * torch.exp(0.5 * out["log_variance"]) * noise
                    assert torch.equal(manual, smp["sample"])
                    p = f"step.{s}.{tag}.{i}"
                    put(f"{p}.sample", smp["sample"])
                    put(f"{p}.mean", out["mean"])
                    put(f"{p}.log_variance", out["log_variance"])
                    if tag == "ddpm_learned":
                        put(f"{p}.pred_xstart", out["pred_xstart"])
                for tag, eta in (("ddim_eta0", 0.0), ("ddim_eta05", 0.5)):
                    with fixed_randn_like([noise]) as used:
                        smp = ddim.ddim_sample(learned, x, t, clip_denoised=True, eta=eta)
                    assert len(used) == 1
                    put(f"step.{s}.{tag}.{i}.sample", smp["sample"])


def q_sample():
    torch.manual_seed(4)
    x0 = torch.rand(1, 3, 8, 8) * 2 - 1
    noise = torch.randn(1, 3, 8, 8)
    put("q_sample.x0", x0)
    put("q_sample.noise", noise)
    d = create_gaussian_diffusion(steps=1000, learn_sigma=True, noise_schedule="linear",
                                  rescale_timesteps=True, timestep_respacing="10")
    for i in (9, 3):
        put(f"q_sample.linear.{i}", d.q_sample(x0, torch.tensor([i]), noise=noise))


# ----------------------------------------------------------------------------------------------
# 5. whole trajectories with the tiny ADM model
# ----------------------------------------------------------------------------------------------

def trajectories(model, diffusion):
    """diffusion: the SpacedDiffusion from create_model_and_diffusion (respacing "10")."""
    torch.manual_seed(5)
    shape = (1, 3, 32, 32)
    init_noise = torch.randn(*shape)
    noises = torch.randn(10, *shape)
    init_image = torch.rand(*shape) * 2 - 1
    put("traj.init_noise", init_noise)
    put("traj.noises", noises)
    put("traj.skip.init_image", init_image)

    # DDPM, 10 respaced steps: img = init_noise; step k (index 9-k) uses noises[k]
    with fixed_randn_like(list(noises)) as used:
        outs = list(diffusion.p_sample_loop_progressive(model, shape, noise=init_noise.clone(),
                                                        clip_denoised=True, model_kwargs={}))
    assert len(used) == 10
    put("traj.ddpm10.final", outs[-1]["sample"])
    put("traj.ddpm10.pred_xstart", torch.stack([o["pred_xstart"] for o in outs]))
    # p_sample_loop returns the same thing
    with fixed_randn_like(list(noises)):
        again = diffusion.p_sample_loop(model, shape, noise=init_noise.clone(), clip_denoised=True, model_kwargs={})
    assert torch.equal(again, outs[-1]["sample"])

    # DDIM eta 0, respacing ddim10 (it still draws one randn_like per step, multiplied by sigma = 0)
    ddim = create_gaussian_diffusion(steps=1000, learn_sigma=True, noise_schedule="linear",
                                     rescale_timesteps=True, timestep_respacing="ddim10")
    with fixed_randn_like(list(noises)) as used:
        final = ddim.ddim_sample_loop(model, shape, noise=init_noise.clone(), clip_denoised=True,
                                      model_kwargs={}, eta=0.0)
    assert len(used) == 10
    put("traj.ddim10.final", final)

    # skip_timesteps=3: indices [6..0]; img = q_sample(init_image, 6, noise=init_noise);
    # then 7 p_sample steps, which draw noises[0..6] in order
    with fixed_randn_like(list(noises)) as used:
        final = diffusion.p_sample_loop(model, shape, noise=init_noise.clone(), clip_denoised=True,
                                        model_kwargs={}, skip_timesteps=3, init_image=init_image)
    assert len(used) == 7 and all(torch.equal(u, n) for u, n in zip(used, noises[:7]))
    put("traj.skip.ddpm10_skip3.final", final)
    # extra: the image the skipped loop starts from
    put("traj.skip.ddpm10_skip3.start", diffusion.q_sample(init_image, torch.tensor([6]), init_noise))


# ----------------------------------------------------------------------------------------------
# 6. the authors' guidance gradient (cond_fn of run_fmridiffusion_with_init.py)
# ----------------------------------------------------------------------------------------------

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def normalize(x):  # torchvision.transforms.Normalize on a batch
    m = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    s = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (x - m) / s


def draw_boxes(n, side, cut_size, cut_pow):
    """The authors' MakeCutouts draws, in their order: size, offsetx, offsety."""
    max_size, min_size = side, min(side, cut_size)
    boxes = []
    for _ in range(n):
        size = int(torch.rand([]) ** cut_pow * (max_size - min_size) + min_size)
        offsetx = torch.randint(0, side - size + 1, ())
        offsety = torch.randint(0, side - size + 1, ())
        boxes.append([size, int(offsetx), int(offsety)])
    return boxes


class FixedCutouts:
    """MakeCutouts.forward with the random draws replaced by given boxes (consumed in order)."""

    def __init__(self, cut_size, cutn, boxes):
        self.cut_size, self.cutn, self.boxes = cut_size, cutn, list(boxes)

    def __call__(self, input):
        cutouts = []
        for _ in range(self.cutn):
            size, offsetx, offsety = self.boxes.pop(0)
            cutout = input[:, :, offsety:offsety + size, offsetx:offsetx + size]
            cutouts.append(F.adaptive_avg_pool2d(cutout, self.cut_size))
        return torch.cat(cutouts)


def spherical_dist_loss(x, y):
    x = F.normalize(x, dim=-1)
    y = F.normalize(y, dim=-1)
    return (x - y).norm(dim=-1).div(2).arcsin().pow(2).mul(2)


def tv_loss(input):
    """L2 total variation loss, as in Mahendran et al."""
    input = F.pad(input, (0, 1, 0, 1), "replicate")
    x_diff = input[..., :-1, 1:] - input[..., :-1, :-1]
    y_diff = input[..., 1:, :-1] - input[..., :-1, :-1]
    return (x_diff ** 2 + y_diff ** 2).mean([1, 2, 3])


def range_loss(input):
    return (input - input.clamp(-1, 1)).pow(2).mean([1, 2, 3])


def make_cond_fn(diffusion, model, clip_model, target_embeds, boxes, cur_t, cutn, cutn_batches,
                 clip_guidance_scale, tv_scale, range_scale, record=None):
    """The authors' cond_fn, line by line (init_scale 0: LPIPS term off). `boxes` replace the
    random cutouts: each call replays the same cutn_batches*cutn boxes."""
    weights = torch.tensor([1.0])
    weights /= weights.sum().abs()
    cut_size = clip_model.config.vision_config.image_size

    def encode_image(x):
        return clip_model.get_image_features(pixel_values=x).pooler_output

    def cond_fn(x, t, y=None):
        make_cutouts = FixedCutouts(cut_size, cutn, boxes)
        with torch.enable_grad():
            x = x.detach().requires_grad_()
            n = x.shape[0]
            my_t = torch.ones([n], dtype=torch.long) * cur_t
            out = diffusion.p_mean_variance(model, x, my_t, clip_denoised=True, model_kwargs={"y": y})
            fac = diffusion.sqrt_one_minus_alphas_cumprod[cur_t]
            x_in = out["pred_xstart"] * fac + x * (1 - fac)
            x_in_grad = torch.zeros_like(x_in)
            loss_clip = 0.0
            for i in range(cutn_batches):
                clip_in = normalize(make_cutouts(x_in.add(1).div(2)))
                image_embeds = encode_image(clip_in).float()
                dists = spherical_dist_loss(image_embeds.unsqueeze(1), target_embeds.unsqueeze(0))
                dists = dists.view([cutn, n, -1])
                losses = dists.mul(weights).sum(2).mean(0)
                loss_clip = loss_clip + losses.sum().item() * clip_guidance_scale / cutn_batches
                x_in_grad += torch.autograd.grad(losses.sum() * clip_guidance_scale, x_in)[0] / cutn_batches
            tv_losses = tv_loss(x_in)
            range_losses = range_loss(out["pred_xstart"])
            loss = (tv_losses.sum() * tv_scale) + (range_losses.sum() * range_scale)
            x_in_grad += torch.autograd.grad(loss, x_in)[0]
            grad = -torch.autograd.grad(x_in, x, x_in_grad)[0]
            if record is not None:
                record.update(x_in=x_in.detach(), pred_xstart=out["pred_xstart"].detach(),
                              loss_clip=loss_clip, loss_tv=(tv_losses.sum() * tv_scale).item(),
                              loss_range=(range_losses.sum() * range_scale).item(),
                              t_seen=t.detach().clone(), fac=float(fac))
            return grad

    return cond_fn


def plausible_x(model, diffusion, cur_t, x0, x, iters=12):
    """An x_t for which the random model's pred_xstart mostly stays inside [-1, 1] (for a plain
    randn x at index 7, 96% of pred_xstart is clamped and the gradient would barely pass through
    the UNet). Damped fixed-point iteration of x = sqrt(abar) x0 + sqrt(1 - abar) eps(x)."""
    sa = float(diffusion.sqrt_alphas_cumprod[cur_t])
    s1 = float(diffusion.sqrt_one_minus_alphas_cumprod[cur_t])
    t = torch.tensor([float(diffusion.timestep_map[cur_t])])
    with torch.no_grad():
        for _ in range(iters):
            eps = model(x, t)[:, :3]
            x = 0.5 * x + 0.5 * (sa * x0 + s1 * eps)
    return x


def guidance(model, diffusion):
    cutn, cutn_batches, cut_pow, side, cur_t = 4, 2, 1.0, 48, 7
    clip_model = CLIPModel.from_pretrained(CLIP_DIR).eval().requires_grad_(False)
    cut_size = clip_model.config.vision_config.image_size
    assert cut_size == 32
    torch.manual_seed(6)
    boxes = draw_boxes(cutn_batches * cutn, side, cut_size, cut_pow)
    x = plausible_x(model, diffusion, cur_t, torch.rand(1, 3, side, side) * 1.6 - 0.8,
                    torch.randn(1, 3, side, side))
    target = torch.randn(1, clip_model.config.projection_dim)
    noise = torch.randn(1, 3, side, side)
    put("guide.boxes", torch.tensor(boxes))
    put("guide.x", x)
    put("guide.target", target)
    put("guide.index", torch.tensor([cur_t]))
    put("guide.noise", noise)
    print("guide.boxes (size, offset_x, offset_y):", boxes)

    def grad_with(diff, cs, tvs, rs, record=None):
        fn = make_cond_fn(diff, model, clip_model, target, boxes, cur_t, cutn, cutn_batches, cs, tvs, rs, record)
        return fn(x, torch.tensor([cur_t]))

    rec = {}
    put("guide.grad", grad_with(diffusion, 1000, 150, 50, rec))
    put("guide.grad_clip", grad_with(diffusion, 1000, 0, 0))
    put("guide.grad_tv", grad_with(diffusion, 0, 150, 0))
    put("guide.grad_range", grad_with(diffusion, 0, 0, 50))
    put("guide.loss_clip", torch.tensor([rec["loss_clip"]]))
    put("guide.loss_tv", torch.tensor([rec["loss_tv"]]))
    put("guide.loss_range", torch.tensor([rec["loss_range"]]))
    put("guide.x_in", rec["x_in"])
    put("guide.pred_xstart", rec["pred_xstart"])
    total = REF["guide.grad_clip"] + REF["guide.grad_tv"] + REF["guide.grad_range"]
    print(f"guide: fac {rec['fac']:.6f}, losses clip {rec['loss_clip']:.6g} tv {rec['loss_tv']:.6g} "
          f"range {rec['loss_range']:.6g}; |grad| max {REF['guide.grad'].abs().max().item():.4g}; "
          f"sum of parts - grad {(total - REF['guide.grad']).abs().max().item():.3g}; "
          f"pred_xstart clamped fraction {(rec['pred_xstart'].abs() >= 1).float().mean().item():.3f}")

    # one guided DDPM step (p_sample -> condition_mean), noise = guide.noise
    cond = make_cond_fn(diffusion, model, clip_model, target, boxes, cur_t, cutn, cutn_batches, 1000, 150, 50, rec)
    with torch.no_grad(), fixed_randn_like([noise]) as used:
        out = diffusion.p_sample(model, x, torch.tensor([cur_t]), clip_denoised=True, cond_fn=cond, model_kwargs={})
    assert len(used) == 1
    put("guide.ddpm_step", out["sample"])
    with torch.no_grad():  # = mean + variance * guide.grad + exp(log_variance / 2) * noise
        pmv = diffusion.p_mean_variance(model, x, torch.tensor([cur_t]), clip_denoised=True)
        manual = pmv["mean"] + pmv["variance"] * REF["guide.grad"] + torch.exp(0.5 * pmv["log_variance"]) * noise
    assert (manual - out["sample"]).abs().max().item() < 1e-5
    print("cond_fn receives t =", rec["t_seen"].tolist(), rec["t_seen"].dtype, "(respaced index", cur_t, ")")

    # one guided DDIM step (ddim_sample -> condition_score), respacing ddim10, eta 0
    ddim = create_gaussian_diffusion(steps=1000, learn_sigma=True, noise_schedule="linear",
                                     rescale_timesteps=True, timestep_respacing="ddim10")
    rec_d = {}
    cond = make_cond_fn(ddim, model, clip_model, target, boxes, cur_t, cutn, cutn_batches, 1000, 150, 50, rec_d)
    with torch.no_grad(), fixed_randn_like([noise]) as used:
        out = ddim.ddim_sample(model, x, torch.tensor([cur_t]), clip_denoised=True, cond_fn=cond,
                               model_kwargs={}, eta=0.0)
    assert len(used) == 1
    put("guide.ddim_step", out["sample"])
    # extra: the cond_fn value inside that DDIM step
    put("guide.ddim_grad", grad_with(ddim, 1000, 150, 50))


def loss_functions():
    """Extra: the three loss functions on a tensor with values outside [-1, 1] (range_loss is
    identically 0 in cond_fn because pred_xstart is already clamped), with their gradients."""
    torch.manual_seed(7)
    x = (torch.randn(2, 3, 8, 8) * 1.5).requires_grad_()
    tv = tv_loss(x)
    rg = range_loss(x)
    put("loss_fn.x", x)
    put("loss_fn.tv", tv)
    put("loss_fn.range", rg)
    put("loss_fn.tv_grad", torch.autograd.grad(tv.sum(), x)[0])
    put("loss_fn.range_grad", torch.autograd.grad(rg.sum(), x)[0])
    a, b = torch.randn(5, 1, 32), torch.randn(1, 3, 32)
    put("loss_fn.sph_a", a)
    put("loss_fn.sph_b", b)
    put("loss_fn.spherical", spherical_dist_loss(a, b))


# ----------------------------------------------------------------------------------------------

def main():
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    v = versions()
    tiny_unets()
    model, diffusion, _ = adm_model()
    diffs = adm_to_diffusers(model)
    schedules()
    sampler_steps()
    q_sample()
    trajectories(model, diffusion)
    guidance(model, diffusion)
    loss_functions()
    meta = {"generator": "tests/data/generation/generate.py", **{f"version.{k}": s for k, s in v.items()},
            **{f"adm_diffusers_max_abs_diff[{k}]": f"{d:.3g}" for k, d in diffs.items()}}
    # one metadata entry: safetensors writes its metadata map in hash order, so several would
    # make the file's bytes differ from run to run
    out = HERE / "reference.safetensors"
    save_file(dict(sorted(REF.items())), str(out), metadata={"info": json.dumps(meta, sort_keys=True)})
    out.chmod(0o644)
    print(f"reference.safetensors: {len(REF)} tensors")
    for k in sorted(REF):
        print(f"  {k} {list(REF[k].shape)}")
    for p in sorted(HERE.rglob("*")):
        if p.is_file() and p.name != "generate.py" and p.suffix != ".md":
            print(f"{p.relative_to(HERE)} {p.stat().st_size}")


if __name__ == "__main__":
    main()
