"""DINO self-distillation (vanilla DINO augmentations by default): student and EMA teacher, each a
backbone + :class:`~skill_ssl.models.DINOHead`, trained with :class:`~skill_ssl.methods.dino_loss.DINOLoss`."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from skill_ssl.methods.base import BackboneFactory, Method, make_teacher
from skill_ssl.methods.dino_loss import DINOLoss
from skill_ssl.models import DINOHead, MultiCrop, feature_dim


class DINOMethod(Method):
    """Teacher sees the global views; the student sees all views (global, low-resolution, task-local)."""

    name = "dino"
    default_augment = "vanilla"
    multicrop = True
    embed_from = "teacher"

    def __init__(self, cfg: Any, make_backbone: BackboneFactory):
        super().__init__()

        def build(drop_path: float) -> MultiCrop:
            backbone = make_backbone(drop_path)
            head = DINOHead(feature_dim(backbone), cfg.out_dim, cfg.head_hidden, cfg.head_bottleneck,
                            cfg.head_layers, use_bn=bool(cfg.head_bn), norm_last_layer=cfg.norm_last_layer)
            return MultiCrop(backbone, head)

        self.online = build(cfg.drop_path)
        self.teacher = make_teacher(self.online, lambda: build(0.0))
        self.criterion = DINOLoss(cfg.out_dim, cfg.student_temp, cfg.center_momentum,
                                  init_center=cfg.center_init == "batch")

    def loss(self, online: nn.Module, views: Any, sched: dict[str, float]) -> tuple[Tensor, dict[str, float]]:
        with torch.no_grad():
            t = self.teacher(views.teacher_views())
        s = online(views.student_views())
        loss = self.criterion(s, t, sched["teacher_temp"])
        return loss, dict(self.criterion.stats)

    def last_layer_parameters(self) -> list[nn.Parameter]:
        return self.online.head.last_layer_parameters()

    def extra_state(self) -> dict[str, Tensor]:
        return {"center": self.criterion.center.detach().clone(),
                "center_ready": torch.tensor(self.criterion.center_ready)}

    def load_extra_state(self, state: dict[str, Tensor]) -> None:
        self.criterion.center.copy_(state["center"])
        self.criterion.center_ready = bool(state.get("center_ready", True))
