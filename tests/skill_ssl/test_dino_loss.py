"""The DINO loss against a straightforward formulation of SkiLL Eq. 3-5, and the centre update."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from skill_ssl.methods.dino_loss import DINOLoss


def reference_loss(student, teacher, center, tau_s, tau_t):
    """Pair by pair, sample by sample: -sum_k P_t log P_s, same-view pairs skipped, averaged."""
    terms = []
    for t in range(teacher.shape[0]):
        for s in range(student.shape[0]):
            if s == t:
                continue
            per_sample = []
            for b in range(student.shape[1]):
                p_t = F.softmax((teacher[t, b] - center[0]) / tau_t, dim=-1)
                log_p_s = F.log_softmax(student[s, b] / tau_s, dim=-1)
                per_sample.append(-(p_t * log_p_s).sum())
            terms.append(torch.stack(per_sample).mean())
    return torch.stack(terms).mean()


@pytest.mark.parametrize("n_student", [2, 5])
def test_matches_reference(n_student):
    g = torch.Generator().manual_seed(0)
    k, b = 32, 6
    student = torch.randn(n_student, b, k, generator=g, dtype=torch.float64)
    teacher = torch.randn(2, b, k, generator=g, dtype=torch.float64)
    loss_fn = DINOLoss(k, student_temp=0.1, center_momentum=0.9).double()
    loss_fn.center.copy_(torch.randn(1, k, generator=g))
    center = loss_fn.center.clone()
    got = loss_fn(student, teacher, teacher_temp=0.04)
    want = reference_loss(student, teacher, center, 0.1, 0.04)
    assert got.item() == pytest.approx(want.item(), rel=1e-6)
    # the centre moved by EMA towards the teacher's mean output
    expected_center = 0.9 * center + 0.1 * teacher.reshape(-1, k).mean(0, keepdim=True)
    torch.testing.assert_close(loss_fn.center, expected_center)


def test_gradient_flows_to_student_only():
    k = 8
    student = torch.randn(3, 4, k, requires_grad=True)
    teacher = torch.randn(2, 4, k, requires_grad=True)
    DINOLoss(k)(student, teacher, 0.05).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_identical_confident_views_have_lower_loss_than_mismatched():
    k = 16
    onehot = F.one_hot(torch.tensor([3, 7]), k).float() * 10
    agree = onehot.unsqueeze(0).repeat(2, 1, 1)                       # both views say the same
    disagree = torch.stack([onehot, onehot.flip(0)])                  # the views disagree
    fn = DINOLoss(k)
    assert fn(agree, agree, 0.04) < DINOLoss(k)(disagree, disagree, 0.04)
