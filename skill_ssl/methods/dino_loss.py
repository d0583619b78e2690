"""The DINO / SkiLL self-distillation loss (SkiLL Eq. 3-5).

For every teacher view ``t`` (the global views) and every student view ``s`` (global, low-resolution and
task-local views) with ``s != t``, the loss is the cross-entropy ``H(P_t, P_s)`` between the teacher's
centred, sharpened distribution ``P_t = softmax((g_t - c) / tau_t)`` and the student's
``P_s = softmax(g_s / tau_s)``, averaged over the batch and over the pairs. The centre ``c`` is an EMA
of the teacher's mean output (all-reduced across processes when distributed).
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn


class DINOLoss(nn.Module):
    """Cross-entropy between centred/sharpened teacher and student distributions, same-view pairs skipped."""

    def __init__(self, out_dim: int, student_temp: float = 0.1, center_momentum: float = 0.9):
        super().__init__()
        self.student_temp = float(student_temp)
        self.center_momentum = float(center_momentum)
        self.register_buffer("center", torch.zeros(1, out_dim))

    def forward(self, student_out: Tensor, teacher_out: Tensor, teacher_temp: float) -> Tensor:
        """``student_out (Vs, B, K)``, ``teacher_out (Vt, B, K)``; student view ``i < Vt`` is the same view as
        teacher view ``i``. Returns the scalar loss and updates the centre (no gradient)."""
        vt, vs = teacher_out.shape[0], student_out.shape[0]
        if vs < 2 and vt < 2:
            raise ValueError("the DINO loss needs at least two views")
        teacher_out = _at_least_fp32(teacher_out.detach())
        log_p_s = F.log_softmax(_at_least_fp32(student_out) / self.student_temp, dim=-1)  # (Vs, B, K)
        p_t = F.softmax((teacher_out - self.center.to(teacher_out.dtype)) / teacher_temp, dim=-1)  # (Vt, B, K)
        # cross-entropy of every (teacher, student) pair at once: (Vt, Vs), each averaged over the batch
        ce = -torch.einsum("tbk,sbk->ts", p_t, log_p_s) / student_out.shape[1]
        mask = torch.ones(vt, vs, dtype=torch.bool, device=ce.device)
        diag = torch.arange(min(vt, vs), device=ce.device)
        mask[diag, diag] = False
        loss = ce[mask].mean()
        self.update_center(teacher_out)
        return loss

    @torch.no_grad()
    def update_center(self, teacher_out: Tensor) -> None:
        """``c <- m c + (1 - m) mean(teacher outputs)``, the mean taken over all processes."""
        flat = teacher_out.reshape(-1, teacher_out.shape[-1])
        total = flat.sum(dim=0, keepdim=True)
        count = torch.tensor([flat.shape[0]], dtype=total.dtype, device=total.device)
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(total)
            dist.all_reduce(count)
        self.center.mul_(self.center_momentum).add_((total / count).to(self.center.dtype),
                                                    alpha=1 - self.center_momentum)


def _at_least_fp32(x: Tensor) -> Tensor:
    """Half-precision outputs (autocast) are promoted: the softmax over K classes needs fp32."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
