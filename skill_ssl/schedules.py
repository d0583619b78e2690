"""Per-step schedules, precomputed once for the whole run.

Every value the trainer varies over time (learning rate, weight decay, teacher EMA momentum, teacher
temperature) is a float64 tensor with one entry per optimisation step, so resuming at step ``s`` simply
reads entry ``s``. Cosine schedules hit their final value exactly on the last step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


def cosine_schedule(base: float, final: float, total_steps: int, warmup_steps: int = 0,
                    warmup_start: float = 0.0) -> Tensor:
    """Linear warm-up from ``warmup_start`` to ``base`` over ``warmup_steps``, then cosine from ``base`` to ``final``.

    The warm-up starts at ``warmup_start`` on step 0 and reaches ``base`` on step ``warmup_steps`` (the first
    cosine step); the last step equals ``final``.
    """
    total_steps, warmup_steps = int(total_steps), max(0, min(int(warmup_steps), int(total_steps)))
    if total_steps <= 0:
        return torch.empty(0, dtype=torch.float64)
    warm = torch.linspace(0, 1, warmup_steps + 1, dtype=torch.float64)[:-1] * (base - warmup_start) + warmup_start
    n = total_steps - warmup_steps
    if n == 1:
        decay = torch.tensor([final], dtype=torch.float64)
    else:
        t = torch.arange(n, dtype=torch.float64) / max(n - 1, 1)
        decay = final + 0.5 * (base - final) * (1 + torch.cos(math.pi * t))
    return torch.cat([warm, decay])


def warmup_then_constant(start: float, end: float, total_steps: int, warmup_steps: int) -> Tensor:
    """Linear from ``start`` (step 0) to ``end`` (step ``warmup_steps``), then constant ``end``."""
    total_steps, warmup_steps = int(total_steps), max(0, min(int(warmup_steps), int(total_steps)))
    ramp = torch.linspace(start, end, warmup_steps + 1, dtype=torch.float64)[:-1] if warmup_steps else torch.empty(0, dtype=torch.float64)
    return torch.cat([ramp, torch.full((total_steps - warmup_steps,), float(end), dtype=torch.float64)])


@dataclass
class Schedules:
    """The run's per-step schedules (all of length ``total_steps``)."""

    lr: Tensor
    weight_decay: Tensor
    momentum: Tensor
    teacher_temp: Tensor

    @property
    def total_steps(self) -> int:
        return int(self.lr.numel())

    def at(self, step: int) -> dict[str, float]:
        return {"lr": float(self.lr[step]), "wd": float(self.weight_decay[step]),
                "momentum": float(self.momentum[step]), "teacher_temp": float(self.teacher_temp[step])}


def teacher_init_weight(momentum: Tensor, steps: int | None = None) -> float:
    """The share of its random initial weights the EMA teacher still holds after ``steps`` steps (all by
    default) of the ``momentum`` schedule: ``prod(m_t)``. Near 1 means the teacher never left its initialisation
    (e.g. 0.996 over 36 steps keeps 93%): the student is distilled from a random network and learns nothing."""
    m = momentum[: steps if steps is not None else momentum.numel()]
    return float(torch.exp(torch.log(m.clamp_min(1e-12)).sum()))


def scaled_lr(base_lr: float, global_batch: int) -> float:
    """The linear scaling rule: ``base_lr`` is the rate for a global batch of 256."""
    return base_lr * global_batch / 256.0


def build_schedules(*, epochs: int, steps_per_epoch: int, lr: float, min_lr: float, warmup_epochs: float,
                    weight_decay: float, weight_decay_end: float, momentum_teacher: float,
                    teacher_temp: float, warmup_teacher_temp: float, warmup_teacher_temp_epochs: float) -> Schedules:
    """The DINO schedules, per step: lr (warm-up then cosine to ``min_lr``), weight decay (cosine up),
    teacher momentum (cosine to 1.0), teacher temperature (linear warm-up then constant).

    ``lr`` is the already scaled peak learning rate (see :func:`scaled_lr`).
    """
    total = int(epochs) * int(steps_per_epoch)
    return Schedules(
        lr=cosine_schedule(lr, min_lr, total, round(warmup_epochs * steps_per_epoch)),
        weight_decay=cosine_schedule(weight_decay, weight_decay_end, total),
        momentum=cosine_schedule(momentum_teacher, 1.0, total),
        teacher_temp=warmup_then_constant(warmup_teacher_temp, teacher_temp, total,
                                          round(warmup_teacher_temp_epochs * steps_per_epoch)),
    )
