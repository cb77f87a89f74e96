"""Golden values of MindEye's contrastive losses for the unit tests of src/train/loss.rs.

    target/torch-venv/bin/python tests/data/losses/mindeye_golden.py

`soft_clip_loss` and `mixco_nce` are MindEye's (Scotti et al., 2023, utils.py), copied with the
inputs normalised as MindEye's training loop does before calling them. The mixing draw (perm,
betas, select) is fixed here so that Rust can replay it. MindEye writes the mixed targets as
`probs = diag(betas); probs[i, perm[i]] = 1 - betas` — with no sample its own partner that is
the same as brainclip's `diag(beta) + (1 - beta) at perm`.
"""

import torch
import torch.nn.functional as F


def soft_clip_loss(preds, targs, temp=0.125):
    clip_clip = (targs @ targs.T) / temp
    brain_clip = (preds @ targs.T) / temp
    loss1 = -(brain_clip.log_softmax(-1) * clip_clip.softmax(-1)).sum(-1).mean()
    loss2 = -(brain_clip.T.log_softmax(-1) * clip_clip.softmax(-1)).sum(-1).mean()
    return (loss1 + loss2) / 2


def mixco_nce(preds, targs, temp, perm, betas, select):
    brain_clip = (preds @ targs.T) / temp
    probs = torch.diag(betas)
    probs[torch.arange(preds.shape[0]), perm] = 1 - betas
    loss = -(brain_clip.log_softmax(-1) * probs).sum(-1).mean()
    loss2 = -(brain_clip.T.log_softmax(-1) * probs.T).sum(-1).mean()
    return (loss + loss2) / 2


preds = torch.tensor([[1.0, 0.2, -0.3], [0.1, 0.9, 0.4], [-0.5, 0.3, 1.2], [0.7, -0.6, 0.2]], dtype=torch.float64)
targs = torch.tensor([[0.9, 0.1, -0.2], [0.0, 1.0, 0.5], [-0.4, 0.2, 1.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
p, t = F.normalize(preds, dim=-1), F.normalize(targs, dim=-1)
print("soft_clip temp 0.125:", f"{soft_clip_loss(p, t, 0.125).item():.9f}")
print("soft_clip temp 0.05:", f"{soft_clip_loss(p, t, 0.05).item():.9f}")
perm = torch.tensor([2, 0, 3, 1])
betas = torch.tensor([0.7, 1.0, 0.2, 1.0], dtype=torch.float64)  # samples 1 and 3 not selected
select = betas < 1
print("mixco temp 0.1:", f"{mixco_nce(p, t, 0.1, perm, betas, select).item():.9f}")
x = torch.arange(8, dtype=torch.float64).reshape(4, 2)
mixed = x.clone()
mixed[select] = x[select] * betas[select].reshape(-1, 1) + x[perm][select] * (1 - betas[select]).reshape(-1, 1)
print("mixed voxels:", mixed.tolist())
