"""Per-step schedules: right length, right endpoints, right shape."""

from __future__ import annotations

import pytest
import torch

from skill_ssl.schedules import build_schedules, cosine_schedule, scaled_lr, warmup_then_constant


def test_cosine_with_warmup_endpoints():
    s = cosine_schedule(1.0, 0.01, 100, warmup_steps=10)
    assert s.shape == (100,)
    assert s[0] == 0.0                                  # warm-up starts at 0
    assert s[10] == pytest.approx(1.0)                  # peak right after the warm-up
    assert s[-1] == pytest.approx(0.01, abs=1e-12)      # exactly the final value on the last step
    assert torch.all(s[1:11] > s[:10])                  # linear increase
    assert torch.all(s[11:] <= s[10:-1])                # then non-increasing


def test_run_schedules_match_the_paper_settings():
    spe, epochs = 7, 20
    s = build_schedules(epochs=epochs, steps_per_epoch=spe, lr=scaled_lr(5e-4, 512), min_lr=1e-6, warmup_epochs=10,
                        weight_decay=0.04, weight_decay_end=0.4, momentum_teacher=0.996, teacher_temp=0.07,
                        warmup_teacher_temp=0.04, warmup_teacher_temp_epochs=5)
    assert s.total_steps == epochs * spe
    assert scaled_lr(5e-4, 512) == pytest.approx(1e-3)
    assert s.lr[0] == 0 and s.lr[10 * spe] == pytest.approx(1e-3) and s.lr.max() == pytest.approx(1e-3)
    assert s.lr[-1] == pytest.approx(1e-6)
    assert s.weight_decay[0] == pytest.approx(0.04) and s.weight_decay[-1] == pytest.approx(0.4)
    assert torch.all(s.weight_decay[1:] >= s.weight_decay[:-1] - 1e-12)
    assert s.momentum[0] == pytest.approx(0.996) and s.momentum[-1] == pytest.approx(1.0)
    assert s.teacher_temp[0] == pytest.approx(0.04) and s.teacher_temp[5 * spe] == pytest.approx(0.07)
    assert torch.all(s.teacher_temp[5 * spe:] == 0.07)
    assert set(s.at(3)) == {"lr", "wd", "momentum", "teacher_temp"}


def test_warmup_longer_than_run_is_clipped():
    t = warmup_then_constant(0.04, 0.07, total_steps=5, warmup_steps=30)
    assert t.shape == (5,) and t[0] == pytest.approx(0.04) and t[-1] < 0.07
    lr = cosine_schedule(1.0, 0.0, 5, warmup_steps=30)
    assert lr.shape == (5,) and lr[0] == 0.0
