"""The DINO / SkiLL self-distillation loss (SkiLL Eq. 3-5).

For every teacher view ``t`` (the global views) and every student view ``s`` (global, low-resolution and
task-local views) with ``s != t``, the loss is the cross-entropy ``H(P_t, P_s)`` between the teacher's
centred, sharpened distribution ``P_t = softmax((g_t - c) / tau_t)`` and the student's
``P_s = softmax(g_s / tau_s)``, averaged over the batch and over the pairs. The centre ``c`` is an EMA
of the teacher's mean output (all-reduced across processes when distributed).

Collapse diagnostics (:attr:`DINOLoss.stats`, logged per step): the teacher's mean entropy ``H(P_t)`` (ln K
means a uniform teacher, 0 a one-hot one), its mean largest probability, the entropy of its batch-mean
distribution (low: every sample picks the same few dimensions) and the student's mean entropy.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn


class DINOLoss(nn.Module):
    """Cross-entropy between centred/sharpened teacher and student distributions, same-view pairs skipped."""

    def __init__(self, out_dim: int, student_temp: float = 0.1, center_momentum: float = 0.9,
                 init_center: bool = False):
        super().__init__()
        self.student_temp = float(student_temp)
        self.center_momentum = float(center_momentum)
        self.register_buffer("center", torch.zeros(1, out_dim))
        #: start the centre at the first batch's teacher mean instead of zero (see :meth:`forward`)
        self.init_center = bool(init_center)
        self.center_ready = not self.init_center
        #: collapse diagnostics of the last call (floats; see the module docstring)
        self.stats: dict[str, float] = {}

    def forward(self, student_out: Tensor, teacher_out: Tensor, teacher_temp: float) -> Tensor:
        """``student_out (Vs, B, K)``, ``teacher_out (Vt, B, K)``; student view ``i < Vt`` is the same view as
        teacher view ``i``. Returns the scalar loss and updates the centre (no gradient)."""
        vt, vs = teacher_out.shape[0], student_out.shape[0]
        if vs < 2 and vt < 2:
            raise ValueError("the DINO loss needs at least two views")
        teacher_out = _at_least_fp32(teacher_out.detach())
        if not self.center_ready:  # init_center: no zero-centre transient on the first steps
            self.center.copy_(self._batch_mean(teacher_out).to(self.center.dtype))
            self.center_ready = True
        log_p_s = F.log_softmax(_at_least_fp32(student_out) / self.student_temp, dim=-1)  # (Vs, B, K)
        p_t = F.softmax((teacher_out - self.center.to(teacher_out.dtype)) / teacher_temp, dim=-1)  # (Vt, B, K)
        # cross-entropy of every (teacher, student) pair at once: (Vt, Vs), each averaged over the batch
        ce = -torch.einsum("tbk,sbk->ts", p_t, log_p_s) / student_out.shape[1]
        mask = torch.ones(vt, vs, dtype=torch.bool, device=ce.device)
        diag = torch.arange(min(vt, vs), device=ce.device)
        mask[diag, diag] = False
        loss = ce[mask].mean()
        self.stats = collapse_stats(p_t, log_p_s)
        self.update_center(teacher_out)
        return loss

    @torch.no_grad()
    def update_center(self, teacher_out: Tensor) -> None:
        """``c <- m c + (1 - m) mean(teacher outputs)``, the mean taken over all processes."""
        self.center.mul_(self.center_momentum).add_(self._batch_mean(teacher_out).to(self.center.dtype),
                                                    alpha=1 - self.center_momentum)

    @staticmethod
    @torch.no_grad()
    def _batch_mean(teacher_out: Tensor) -> Tensor:
        """The teacher's mean output ``(1, K)`` over views, samples and processes."""
        flat = teacher_out.reshape(-1, teacher_out.shape[-1])
        total = flat.sum(dim=0, keepdim=True)
        count = torch.tensor([flat.shape[0]], dtype=total.dtype, device=total.device)
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(total)
            dist.all_reduce(count)
        return total / count


@torch.no_grad()
def collapse_stats(p_t: Tensor, log_p_s: Tensor) -> dict[str, float]:
    """Teacher entropy, largest probability and batch-mean entropy, and student entropy (nats), as floats."""
    k = p_t.shape[-1]
    flat = p_t.reshape(-1, k)
    h_t = -(flat * flat.clamp_min(1e-30).log()).sum(-1)
    mean_p = flat.mean(0)
    h_mean = -(mean_p * mean_p.clamp_min(1e-30).log()).sum()
    log_s = log_p_s.detach().reshape(-1, k)
    h_s = -(log_s.exp() * log_s).sum(-1)
    values = torch.stack([h_t.mean(), flat.max(-1).values.mean(), h_mean, h_s.mean()]).tolist()
    return dict(zip(("teacher_entropy", "teacher_max_prob", "teacher_batch_entropy", "student_entropy"), values))


def _at_least_fp32(x: Tensor) -> Tensor:
    """Half-precision outputs (autocast) are promoted: the softmax over K classes needs fp32."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
