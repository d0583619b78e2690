"""SimCLR baseline: backbone + projector, NT-Xent (normalised temperature cross-entropy) between the two
global views, negatives gathered from every process when distributed. No teacher."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

from skill_ssl.methods.base import BackboneFactory, Method
from skill_ssl.models import MLPHead, MultiCrop, feature_dim


def nt_xent(z0: Tensor, z1: Tensor, temperature: float) -> Tensor:
    """NT-Xent over the global batch: for each of the ``2N`` embeddings, the other view of the same image is
    the positive and the remaining ``2N - 2`` are negatives. ``z0``, ``z1``: ``(B, P)`` local to this process."""
    z0, z1 = F.normalize(z0.float(), dim=-1), F.normalize(z1.float(), dim=-1)
    b, rank = z0.shape[0], 0
    a0, a1 = z0, z1
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        from torch.distributed.nn.functional import all_gather

        rank = dist.get_rank()
        a0, a1 = torch.cat(all_gather(z0)), torch.cat(all_gather(z1))
    n = a0.shape[0]
    keys = torch.cat([a0, a1])                                   # (2N, P)
    queries = torch.cat([z0, z1])                                # (2B, P) local rows
    logits = queries @ keys.T / temperature                      # (2B, 2N)
    own = torch.arange(b, device=z0.device) + rank * b
    rows = torch.arange(2 * b, device=z0.device)
    self_idx = torch.cat([own, own + n])
    logits[rows, self_idx] = float("-inf")
    target = torch.cat([own + n, own])
    return F.cross_entropy(logits, target)


class SimCLRMethod(Method):
    name = "simclr"
    default_augment = "vanilla"
    multicrop = False
    embed_from = "student"

    def __init__(self, cfg: Any, make_backbone: BackboneFactory):
        super().__init__()
        backbone = make_backbone(cfg.drop_path)
        self.online = MultiCrop(backbone, MLPHead(feature_dim(backbone), cfg.head_bottleneck, cfg.head_hidden, 2))
        self.teacher = None
        self.temperature = float(cfg.simclr_temp)

    def loss(self, online: nn.Module, views: Any, sched: dict[str, float]) -> tuple[Tensor, dict[str, float]]:
        z = online(views.global_high[:2])
        return nt_xent(z[0], z[1], self.temperature), {}
