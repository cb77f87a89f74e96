"""The BrainCLIP mapping network, loss and optimiser in plain PyTorch: the reference that brainclip's
training throughput is compared with (benches/gpu/run.sh on a GPU, and on the CPU).

    python benches/reference/train_mapping.py DATA_DIR [--device cuda] [--epochs 30]
        [--batch-size 600] [--precision f32|bf16] [--width 512] [--blocks 2] [--threads N] [--json]

DATA_DIR holds what benches/gpu/throughput.rhai exports with save_npy: train_fmri.npy (samples x
voxels), train_image.npy and train_text.npy (samples x D). The workload is brainclip's default
network and training step, written to match src/model/mapping.rs and src/train:

- residual MLP: Linear(voxels, 512) -> GELU -> dropout 0.5, then 2 blocks
  x + dropout(GELU(Linear(LayerNorm(x)))), final LayerNorm, separate image and text heads;
- symmetric CLIP loss (InfoNCE, rows and columns) against image and caption embeddings, weight 1
  each, learned temperature ln(1/tau) from tau = 0.05, clamped to tau in [0.01, 1];
- AdamW (weight decay 0.05; the temperature has its own AdamW without decay), per-parameter
  gradient-norm clipping at 1.0, linear warm-up (5 %) and cosine decay to 1 % of lr = 3e-4;
- no validation split, a seeded shuffle each epoch, data kept on the device.

With test_fmri.npy, test_classes.npy and test_labels.npy in DATA_DIR (benches/run.sh exports
them) it also reports zero-shot top-1 on the test categories (text head against the class
embeddings, cosine), as brainclip's `zero_shot` does.

Prints samples/s over the epochs after the first (which carries start-up costs), measured like
brainclip's own history (wall time, with the loss read back every step).
"""

import argparse
import json
import math
import resource
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, width, dropout):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.linear = nn.Linear(width, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return x + self.dropout(nn.functional.gelu(self.linear(self.norm(x))))


class MappingNet(nn.Module):
    def __init__(self, voxels, dim, width=512, blocks=2, dropout=0.5):
        super().__init__()
        self.stem = nn.Linear(voxels, width)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(width, dropout) for _ in range(blocks))
        self.final_norm = nn.LayerNorm(width)
        self.image_head = nn.Linear(width, dim)
        self.text_head = nn.Linear(width, dim)

    def forward(self, x):
        x = self.dropout(nn.functional.gelu(self.stem(x)))
        for block in self.blocks:
            x = block(x)
        x = self.final_norm(x)
        return self.image_head(x), self.text_head(x)


def clip_loss(pred, target, logit_scale):
    pred = pred / (pred.pow(2).sum(1, keepdim=True) + 1e-8).sqrt()
    target = target / (target.pow(2).sum(1, keepdim=True) + 1e-8).sqrt()
    logits = logit_scale.exp() * pred @ target.T
    labels = torch.arange(len(pred), device=pred.device)
    return (nn.functional.cross_entropy(logits, labels) + nn.functional.cross_entropy(logits.T, labels)) / 2


def warmup_cosine(step, total, warmup, peak, min_ratio):
    if step < warmup:
        return peak * (step + 1) / warmup
    decay = max(total - warmup - 1, 1)
    progress = min((step - warmup) / decay, 1.0)
    floor = peak * min_ratio
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=600)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--precision", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--blocks", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    device = torch.device(args.device)
    data = Path(args.data)
    load = lambda name: torch.from_numpy(np.load(data / f"{name}.npy").astype(np.float32)).to(device)
    fmri, image, text = load("train_fmri"), load("train_image"), load("train_text")
    n, voxels = fmri.shape
    net = MappingNet(voxels, image.shape[1], width=args.width, blocks=args.blocks).to(device)
    logit_scale = torch.tensor([math.log(1 / 0.05)], device=device, requires_grad=True)
    # eps = 1e-5: burn's AdamW default, which brainclip trains with.
    optim = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.05, eps=1e-5)
    scale_optim = torch.optim.AdamW([logit_scale], lr=args.lr, weight_decay=0.0, eps=1e-5)
    batch = min(args.batch_size, n)
    per_epoch = max(n // batch, 1)
    total = per_epoch * args.epochs
    warmup = round(0.05 * total)
    lo, hi = math.log(1 / 1.0), math.log(1 / 0.01)
    generator = torch.Generator(device="cpu").manual_seed(0)

    step, marks, last_loss = 0, [], float("nan")
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator).to(device)
        for b in range(per_epoch):
            idx = order[b * batch : (b + 1) * batch]
            lr = warmup_cosine(step, total, warmup, args.lr, 0.01)
            for group in optim.param_groups + scale_optim.param_groups:
                group["lr"] = lr
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
                pred_image, pred_text = net(fmri[idx])
            scale = logit_scale.clamp(lo, hi)
            loss = clip_loss(pred_image.float(), image[idx], scale) + clip_loss(pred_text.float(), text[idx], scale)
            optim.zero_grad(set_to_none=True)
            scale_optim.zero_grad(set_to_none=True)
            loss.backward()
            for p in net.parameters():
                torch.nn.utils.clip_grad_norm_([p], 1.0)
            optim.step()
            scale_optim.step()
            last_loss = loss.item()  # brainclip reads the loss back every step too
            step += 1
        marks.append(time.perf_counter() - start)

    timed_epochs = args.epochs - 1
    seconds = marks[-1] - marks[0]
    top1 = float("nan")
    if (data / "test_fmri.npy").exists():
        net.eval()
        with torch.no_grad():
            _, pred = net(load("test_fmri"))
        classes = load("test_classes")
        labels = np.load(data / "test_labels.npy").astype(np.int64).ravel()
        pred = pred / pred.norm(dim=1, keepdim=True)
        classes = classes / classes.norm(dim=1, keepdim=True)
        sim = (pred @ classes.T).cpu().numpy()
        target = sim[np.arange(len(labels)), labels][:, None]
        greater, ties = (sim > target).sum(1), (sim == target).sum(1) - 1
        top1 = float(np.clip((1 - greater) / (ties + 1.0), 0, 1).mean())
    result = {
        "implementation": "pytorch",
        "workload": "train",
        "torch": torch.__version__,
        "device": str(device),
        "precision": args.precision,
        "samples_per_s": timed_epochs * per_epoch * batch / seconds if timed_epochs else float("nan"),
        "epochs": args.epochs,
        "batch_size": batch,
        "final_loss": last_loss,
        "top1": top1,
        "width": args.width,
        "blocks": args.blocks,
        "threads": torch.get_num_threads(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
