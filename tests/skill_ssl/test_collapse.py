"""What keeps small runs from collapsing, and the diagnostics that show a collapse: collapse statistics of the
DINO loss, the centre started from the first batch, the BatchNorm head, the teacher's EMA travel, the presets."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from skill_aug.errors import ConfigError
from skill_ssl.config import CPU_PRESET, TrainConfig
from skill_ssl.methods import get_method
from skill_ssl.methods.dino_loss import DINOLoss, collapse_stats
from skill_ssl.models import DINOHead, build_backbone
from skill_ssl.schedules import build_schedules, cosine_schedule, teacher_init_weight
from skill_ssl.train import train


def _reference(student, teacher, center, tau_s, tau_t):
    """Same-view pairs skipped, averaged over pairs and samples (as tests/skill_ssl/test_dino_loss.py)."""
    p_t = F.softmax((teacher - center) / tau_t, dim=-1)
    log_p_s = F.log_softmax(student / tau_s, dim=-1)
    terms = [-(p_t[t] * log_p_s[s]).sum(-1).mean() for t in range(teacher.shape[0])
             for s in range(student.shape[0]) if s != t]
    return torch.stack(terms).mean()


def test_collapse_stats_of_known_distributions():
    k, n = 64, 6
    uniform = torch.full((2, n, k), 1.0 / k)
    s = collapse_stats(uniform, uniform.log())
    assert s["teacher_entropy"] == pytest.approx(math.log(k), rel=1e-5)
    assert s["teacher_max_prob"] == pytest.approx(1.0 / k, rel=1e-5)
    assert s["student_entropy"] == pytest.approx(math.log(k), rel=1e-5)
    # every sample sure of the same dimension: entropy 0 and batch-mean entropy 0 (one-dimension collapse)
    same = torch.zeros(2, n, k)
    same[..., 3] = 1.0
    s = collapse_stats(same, uniform.log())
    assert s["teacher_entropy"] == pytest.approx(0.0, abs=1e-6) and s["teacher_max_prob"] == pytest.approx(1.0)
    assert s["teacher_batch_entropy"] == pytest.approx(0.0, abs=1e-6)
    # each sample sure of its own dimension: confident, yet the batch covers n dimensions (healthy)
    own = F.one_hot(torch.arange(n), k).float().expand(2, n, k)
    assert collapse_stats(own, uniform.log())["teacher_batch_entropy"] == pytest.approx(math.log(n), rel=1e-5)


def test_loss_reports_its_collapse_stats():
    g = torch.Generator().manual_seed(0)
    fn = DINOLoss(16)
    fn(torch.randn(3, 4, 16, generator=g), torch.randn(2, 4, 16, generator=g), 0.04)
    assert set(fn.stats) == {"teacher_entropy", "teacher_max_prob", "teacher_batch_entropy", "student_entropy"}
    assert 0 < fn.stats["teacher_entropy"] < math.log(16) and 1 / 16 < fn.stats["teacher_max_prob"] <= 1


def test_centre_starts_at_the_first_batch_mean_then_follows_by_ema():
    g = torch.Generator().manual_seed(1)
    k, b = 16, 5
    student = torch.randn(4, b, k, generator=g, dtype=torch.float64)
    teacher = torch.randn(2, b, k, generator=g, dtype=torch.float64) + 3.0  # a large common component
    mean = teacher.reshape(-1, k).mean(0, keepdim=True)
    fn = DINOLoss(k, 0.1, 0.9, init_center=True).double()
    got = fn(student, teacher, 0.04)
    torch.testing.assert_close(got, _reference(student, teacher, mean, 0.1, 0.04))  # centred by the batch mean
    torch.testing.assert_close(fn.center, mean)  # 0.9 * mean + 0.1 * mean
    teacher2 = torch.randn(2, b, k, generator=g, dtype=torch.float64)
    fn(student, teacher2, 0.04)
    torch.testing.assert_close(fn.center, 0.9 * mean + 0.1 * teacher2.reshape(-1, k).mean(0, keepdim=True))
    # DINO's reference start (zeros): the first target is not centred at all
    ref = DINOLoss(k, 0.1, 0.9).double()
    torch.testing.assert_close(ref(student, teacher, 0.04), _reference(student, teacher, torch.zeros(1, k), 0.1, 0.04))


def test_centre_state_survives_a_checkpoint():
    cfg = TrainConfig(task="shirt", depth=1, embed_dim=32, num_heads=2, global_size=16, out_dim=8, head_hidden=16,
                      head_bottleneck=8).resolve("cpu")
    method = get_method("skill")(cfg, lambda dp: build_backbone(cfg.arch, cfg.global_size, drop_path_rate=dp,
                                                                **cfg.timm_overrides()))
    assert method.criterion.init_center and not method.criterion.center_ready
    fresh = method.extra_state()
    method.criterion(torch.randn(3, 2, 8), torch.randn(2, 2, 8), 0.04)
    after = method.extra_state()
    method.load_extra_state(fresh)
    assert not method.criterion.center_ready            # resumed before the first step: still starts from a batch
    method.load_extra_state(after)
    assert method.criterion.center_ready and torch.equal(method.criterion.center, after["center"])
    method.load_extra_state({"center": after["center"]})  # checkpoints written before the flag existed
    assert method.criterion.center_ready


def test_batchnorm_head_keeps_nearly_identical_inputs_apart():
    """The collapse of small runs: the head's output becomes the same for every image. With BatchNorm (batch
    statistics, no running buffers) tiny differences between the inputs are rescaled, not lost."""
    torch.manual_seed(0)
    x = torch.randn(1, 32) + 1e-3 * torch.randn(16, 32)    # 16 inputs differing by 0.1%

    @torch.no_grad()
    def spread(head: DINOHead) -> float:
        z = F.normalize(head.mlp(x), dim=-1)
        return float(1 - F.cosine_similarity(z, z.mean(0, keepdim=True)).mean())

    plain, bn = DINOHead(32, 64, 48, 16, use_bn=False), DINOHead(32, 64, 48, 16, use_bn=True)
    assert spread(plain) < 1e-4 < 0.1 < spread(bn)
    assert not list(bn.buffers())                        # nothing per process for the EMA or the ranks to disagree on


def test_teacher_init_weight():
    short = cosine_schedule(0.996, 1.0, 36)              # the old CPU run: 0.996 over 36 steps
    assert teacher_init_weight(short) == pytest.approx(math.exp(torch.log(short).sum().item()))
    assert teacher_init_weight(short) > 0.9              # the teacher stayed ~ at its random initialisation
    assert teacher_init_weight(torch.ones(10)) == 1.0
    assert teacher_init_weight(cosine_schedule(0.99, 1.0, 600)) < 0.1
    assert teacher_init_weight(short, steps=0) == 1.0


def test_cpu_preset_teacher_leaves_its_initialisation():
    cfg = TrainConfig(task="shirt").resolve("cpu")
    train_products = round(cfg.synth_products * 0.8)     # the catalogue's train split
    s = build_schedules(epochs=cfg.epochs, steps_per_epoch=train_products // cfg.batch_size, lr=1e-3, min_lr=0,
                        warmup_epochs=cfg.warmup_epochs, weight_decay=0.04, weight_decay_end=0.4,
                        momentum_teacher=cfg.momentum_teacher, teacher_temp=cfg.teacher_temp,
                        warmup_teacher_temp=cfg.warmup_teacher_temp,
                        warmup_teacher_temp_epochs=cfg.warmup_teacher_temp_epochs)
    assert teacher_init_weight(s.momentum) < 0.2


def test_presets_fill_the_collapse_settings():
    cpu, paper = TrainConfig(task="shirt").resolve("cpu"), TrainConfig(task="shirt").resolve("cuda")
    assert (cpu.momentum_teacher, cpu.teacher_temp, cpu.head_bn, cpu.center_init) == (0.99, 0.04, True, "batch")
    assert (paper.momentum_teacher, paper.teacher_temp, paper.head_bn, paper.center_init) == (0.996, 0.07, False, "zeros")
    mine = TrainConfig(task="shirt", momentum_teacher=0.996, teacher_temp=0.07, head_bn=False).resolve("cpu")
    assert (mine.momentum_teacher, mine.teacher_temp, mine.head_bn) == (0.996, 0.07, False)
    assert CPU_PRESET["momentum_teacher"] == cpu.momentum_teacher
    with pytest.raises(ConfigError, match="center_init 'mean' must be one of batch, zeros"):
        TrainConfig(task="shirt", center_init="mean").resolve("cpu")


def test_run_logs_collapse_stats_and_warns_about_a_frozen_teacher(tmp_path, small_data, tiny, capsys):
    cfg = TrainConfig(task="shirt", data=str(small_data), out=str(tmp_path / "r"), momentum_teacher=0.996,
                      **{**tiny, "epochs": 1})
    res = train(cfg, progress=False)
    steps = [r for r in map(json.loads, res.metrics.read_text().splitlines()) if r["type"] == "step"]
    for r in steps:
        assert 0 <= r["teacher_entropy"] <= math.log(tiny["out_dim"]) + 1e-4
        assert 1 / tiny["out_dim"] <= r["teacher_max_prob"] <= 1
        assert 0 <= r["teacher_batch_entropy"] <= math.log(tiny["out_dim"]) + 1e-4
        assert 0 <= r["student_entropy"] <= math.log(tiny["out_dim"]) + 1e-4
    log = res.log.read_text()
    assert "the teacher ends with" in log and "warning: the teacher keeps" in log
    assert "lower --momentum-teacher" in capsys.readouterr().err
