"""EMA update, the baselines' losses, and the methods learning on a fixed batch."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from skill_ssl.config import TrainConfig
from skill_ssl.methods import get_method
from skill_ssl.methods.base import ema_update
from skill_ssl.methods.simclr import nt_xent
from skill_ssl.models import build_backbone


def test_ema_update_formula_and_buffers():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    student.extra = nn.Linear(3, 3)            # a student-only part (like BYOL's predictor) is ignored
    teacher = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    student[1].running_mean.fill_(0.5)
    t0 = copy.deepcopy(teacher.state_dict())
    ema_update(teacher, student, 0.9)
    for name, p in teacher.named_parameters():
        s = dict(student.named_parameters())[name]
        torch.testing.assert_close(p, 0.9 * t0[name] + 0.1 * s)
    assert torch.equal(teacher[1].running_mean, student[1].running_mean)
    before = copy.deepcopy(teacher.state_dict())
    ema_update(teacher, student, 1.0)            # momentum 1: the teacher stays put
    assert all(torch.equal(before[k], v) for k, v in teacher.state_dict().items())


def test_nt_xent_matches_reference():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(5, 8, generator=g), torch.randn(5, 8, generator=g)
    tau = 0.2
    z = F.normalize(torch.cat([z0, z1]), dim=-1)
    sim = z @ z.T / tau
    losses = []
    for i in range(10):
        pos = (i + 5) % 10
        others = torch.cat([sim[i, :i], sim[i, i + 1:]])
        losses.append(-sim[i, pos] + torch.logsumexp(others, 0))
    assert nt_xent(z0, z1, tau).item() == pytest.approx(torch.stack(losses).mean().item(), rel=1e-5)


def _views(b=8, size=32, low=16, n_low=2, n_local=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda s: torch.randn(b, 3, s, s, generator=g)  # noqa: E731
    v = SimpleNamespace(global_high=[r(size), r(size)], global_low=[r(low) for _ in range(n_low)],
                        local={f"reg{i}": r(low) for i in range(n_local)})
    v.teacher_views = lambda: list(v.global_high)
    v.student_views = lambda: [*v.global_high, *v.global_low, *v.local.values()]
    return v


@pytest.mark.parametrize("name", ["skill", "byol", "simclr"])
def test_loss_decreases_on_a_fixed_batch(name, tiny):
    torch.manual_seed(0)
    cfg = TrainConfig(task="shirt", method=name, **{k: v for k, v in tiny.items()}).resolve("cpu")
    method = get_method(name)(cfg, lambda dp: build_backbone(cfg.arch, 32, drop_path_rate=dp, **cfg.timm_overrides()))
    views = _views()
    opt = torch.optim.AdamW(method.online.parameters(), lr=1e-3)
    losses = []
    for _ in range(12):
        loss, _ = method.loss(method.online, views, {"teacher_temp": 0.04})
        opt.zero_grad()
        loss.backward()
        opt.step()
        method.ema_update(0.9)
        losses.append(loss.item())
    assert all(map(lambda x: x == x, losses))
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3, losses


def test_teacher_is_ema_only():
    cfg = TrainConfig(task="shirt", depth=1, embed_dim=32, num_heads=2, out_dim=16, head_hidden=16,
                      head_bottleneck=8).resolve("cpu")
    method = get_method("skill")(cfg, lambda dp: build_backbone(cfg.arch, 32, drop_path_rate=dp, **cfg.timm_overrides()))
    assert all(not p.requires_grad for p in method.teacher.parameters())
    s, t = method.online.state_dict(), method.teacher.state_dict()
    assert all(torch.equal(s[k], t[k]) for k in t)   # starts as a copy of the student
