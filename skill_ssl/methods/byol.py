"""BYOL baseline: online backbone + projector + predictor, EMA target (backbone + projector), symmetric
cosine loss between the two global views."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from skill_ssl.methods.base import BackboneFactory, Method, make_teacher
from skill_ssl.models import MLPHead, MultiCrop, feature_dim


class BYOLOnline(MultiCrop):
    """Backbone + projector (``head``) + ``predictor``; ``forward`` returns predictions ``(V, B, P)``."""

    def __init__(self, backbone: nn.Module, head: nn.Module, predictor: nn.Module):
        super().__init__(backbone, head)
        self.predictor = predictor

    def forward(self, views) -> Tensor:
        z = super().forward(views)
        return self.predictor(z.flatten(0, 1)).unflatten(0, z.shape[:2])


class BYOLMethod(Method):
    name = "byol"
    default_augment = "vanilla"
    multicrop = False
    embed_from = "teacher"

    def __init__(self, cfg: Any, make_backbone: BackboneFactory):
        super().__init__()
        dim = cfg.head_bottleneck

        def projector(backbone: nn.Module) -> nn.Module:
            return MLPHead(feature_dim(backbone), dim, cfg.head_hidden, 2)

        backbone = make_backbone(cfg.drop_path)
        self.online = BYOLOnline(backbone, projector(backbone), MLPHead(dim, dim, cfg.head_hidden, 2))

        def build_target() -> MultiCrop:
            b = make_backbone(0.0)
            return MultiCrop(b, projector(b))

        self.teacher = make_teacher(self.online, build_target)

    def loss(self, online: nn.Module, views: Any, sched: dict[str, float]) -> tuple[Tensor, dict[str, float]]:
        pair = views.global_high[:2]
        p = F.normalize(online(pair).float(), dim=-1)               # (2, B, P)
        with torch.no_grad():
            z = F.normalize(self.teacher(pair).float(), dim=-1)      # (2, B, P)
        # view 0's prediction targets view 1's projection and vice versa
        loss = (2 - 2 * (p * z.flip(0)).sum(-1)).mean()
        return loss, {}
