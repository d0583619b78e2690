"""The interface every training method implements, and the EMA update they share.

A method owns an ``online`` network (trained by the optimizer; the part wrapped in DDP when distributed)
and, for self-distillation methods, a ``teacher`` updated only by EMA of the online network. The trainer
calls :meth:`Method.loss` once per step inside autocast, then :meth:`Method.ema_update` after the
optimizer step. Every method shares the backbone, the data pipeline, the optimizer and the schedules,
so the comparison between methods is like for like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

#: ``make_backbone(drop_path_rate) -> nn.Module`` returning a fresh (B, D) backbone
BackboneFactory = Callable[[float], nn.Module]


class Method(nn.Module):
    """Base class: subclasses set the class attributes and build ``online`` / ``teacher`` in ``__init__``."""

    name: ClassVar[str] = ""
    #: augmentation space used unless the config says otherwise: "skill" (SkiLL space) or "vanilla" (DINO's)
    default_augment: ClassVar[str] = "skill"
    #: whether the method uses the low-resolution and task-local views (else only the two global views)
    multicrop: ClassVar[bool] = True
    #: which network the exported embedding model comes from
    embed_from: ClassVar[str] = "teacher"

    # set in subclasses' __init__ (no class-level defaults: nn.Module registers them as submodules)
    online: nn.Module
    teacher: nn.Module | None

    def loss(self, online: nn.Module, views: Any, sched: dict[str, float]) -> tuple[Tensor, dict[str, float]]:
        """The scalar loss for one batch of views (``online`` is ``self.online`` or its DDP wrapper)."""
        raise NotImplementedError

    @torch.no_grad()
    def ema_update(self, momentum: float) -> None:
        """``teacher <- m * teacher + (1 - m) * online`` (no-op without a teacher)."""
        if self.teacher is not None:
            ema_update(self.teacher, self.online, momentum)

    def last_layer_parameters(self) -> list[nn.Parameter]:
        """Parameters kept frozen during the first ``freeze_last_layer`` epochs."""
        return []

    def extra_state(self) -> dict[str, Tensor]:
        """State besides the networks (e.g. the DINO centre), saved in checkpoints."""
        return {}

    def load_extra_state(self, state: dict[str, Tensor]) -> None:
        pass


def make_teacher(online: nn.Module, build: Callable[[], nn.Module]) -> nn.Module:
    """A teacher built by ``build()`` (no drop-path), starting from ``online``'s weights, without gradients."""
    teacher = build()
    missing = teacher.load_state_dict(online.state_dict(), strict=False)
    if missing.missing_keys:
        raise RuntimeError(f"teacher has weights the online network lacks: {missing.missing_keys[:5]}")
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, momentum: float) -> None:
    """EMA of ``student`` into ``teacher``, matching parameters by name (extra student parameters ignored);
    buffers (e.g. BatchNorm statistics) are copied."""
    s_params = dict(student.named_parameters())
    t_list, s_list = [], []
    for name, p in teacher.named_parameters():
        t_list.append(p)
        s_list.append(s_params[name].detach())
    if t_list:
        torch._foreach_mul_(t_list, momentum)
        torch._foreach_add_(t_list, s_list, alpha=1.0 - momentum)
    s_bufs = dict(student.named_buffers())
    for name, b in teacher.named_buffers():
        if name in s_bufs:
            b.copy_(s_bufs[name])
