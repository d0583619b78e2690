"""The training loop in process: exact resume, non-finite loss, outputs of a run."""

from __future__ import annotations

import json

import pytest
import torch

from skill_aug.errors import CheckpointError, ConfigError, TrainingError
from skill_ssl.checkpoint import load_checkpoint
from skill_ssl.config import TrainConfig
from skill_ssl.methods.dino_loss import DINOLoss
from skill_ssl.train import train


def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_matches_an_uninterrupted_run(tmp_path, small_data, tiny):
    cfg = TrainConfig(task="shirt", data=str(small_data), **tiny)      # 12 products / 4 = 3 steps x 2 epochs
    full = train(cfg.update({"out": str(tmp_path / "full")}), progress=False)
    assert full.finished and full.step == full.total_steps == 6
    part = train(cfg.update({"out": str(tmp_path / "part"), "stop_at_step": 4}), progress=False)
    assert not part.finished and part.step == 4 and load_checkpoint(part.checkpoint)["step"] == 4
    done = train(TrainConfig(), resume=tmp_path / "part", progress=False)
    assert done.finished and done.step == 6
    a, b = load_checkpoint(full.checkpoint), load_checkpoint(done.checkpoint)
    assert _same_state(a["student"], b["student"])
    assert _same_state(a["teacher"], b["teacher"])
    assert torch.equal(a["method"]["center"], b["method"]["center"])
    assert a["optimizer"]["state"].keys() == b["optimizer"]["state"].keys()
    assert all(_same_state(a["optimizer"]["state"][k], b["optimizer"]["state"][k]) for k in a["optimizer"]["state"])
    # outputs of a run: resolved config, per-step and per-epoch metrics, a log
    assert (tmp_path / "full" / "config.yaml").is_file()
    lines = [json.loads(s) for s in (tmp_path / "full" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in lines if r["type"] == "step"]
    assert [r["step"] for r in steps] == [1, 2, 3, 4, 5, 6]
    assert {"loss", "lr", "wd", "momentum", "teacher_temp", "img_per_s", "skipped"} <= steps[0].keys()
    assert [r["epoch"] for r in lines if r["type"] == "epoch"] == [0, 1]
    # the momentum schedule reached 1.0 and the teacher temperature warmed up
    assert steps[-1]["momentum"] == pytest.approx(1.0) and steps[-1]["teacher_temp"] == pytest.approx(0.07)


def test_resume_refuses_changes_that_make_another_run(tmp_path, small_data, tiny):
    out = tmp_path / "r"
    train(TrainConfig(task="shirt", data=str(small_data), out=str(out), stop_at_step=1, **tiny), progress=False)
    with pytest.raises(ConfigError, match="cannot change lr"):
        train(TrainConfig(lr=0.1), resume=out)
    with pytest.raises(ConfigError, match="already holds a run"):
        train(TrainConfig(task="shirt", data=str(small_data), out=str(out), **tiny))
    with pytest.raises(CheckpointError, match="no such run directory"):
        train(TrainConfig(), resume=tmp_path / "nothing")


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path, small_data, tiny, monkeypatch):
    real = DINOLoss.forward
    calls = {"n": 0}

    def flaky(self, s, t, temp):
        calls["n"] += 1
        loss = real(self, s, t, temp)
        return loss * float("nan") if calls["n"] == 3 else loss

    monkeypatch.setattr(DINOLoss, "forward", flaky)
    out = tmp_path / "nan"
    with pytest.raises(TrainingError) as exc:
        train(TrainConfig(task="shirt", data=str(small_data), out=str(out), ckpt_every=1, **tiny), progress=False)
    msg = str(exc.value)
    assert "\n" not in msg and "at step 2" in msg and "(step 2)" in msg and "checkpoint.pt" in msg
    assert load_checkpoint(out)["step"] == 2
    assert "non-finite loss" in (out / "train.log").read_text()


def test_unreadable_images_are_skipped_and_logged(tmp_path, small_data, tiny):
    data = tmp_path / "data"
    data.mkdir()
    rows = (small_data / "manifest.csv").read_text().splitlines()
    for line in rows[1:]:
        name = line.split(",")[0]
        (data / name).symlink_to((small_data / name).resolve())
    (data / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    (data / "empty.jpg").write_bytes(b"")
    extra = ["broken.jpg,p90,x", "empty.jpg,p91,x", "broken.jpg,p00,x"]
    (data / "manifest.csv").write_text("\n".join(rows + extra) + "\n")
    res = train(TrainConfig(task="shirt", data=str(data), out=str(tmp_path / "run"), **{**tiny, "epochs": 1}),
                progress=False)
    assert res.finished
    log = (tmp_path / "run" / "train.log").read_text()
    assert "broken.jpg" in log and "empty.jpg" in log
    assert load_checkpoint(res.checkpoint)["skipped"]


@pytest.mark.parametrize("method", ["skill", "dino", "byol", "simclr"])
def test_every_method_trains_on_the_synthetic_catalogue(tmp_path, tiny, method):
    from skill_ssl.models import load_backbone

    cfg = TrainConfig(task="shirt", method=method, synth_products=12, synth_size=48, out=str(tmp_path / method),
                      **{**tiny, "use_head": None, "stop_at_step": 2})
    res = train(cfg, progress=False)
    assert res.step == 2 and res.last_loss == res.last_loss
    log = (tmp_path / method / "train.log").read_text()
    assert "built-in synthetic catalogue" in log
    ckpt = load_checkpoint(res.checkpoint)
    assert ckpt["embed_from"] == ("student" if method == "simclr" else "teacher")
    assert (ckpt["teacher"] is None) == (method == "simclr")
    if method == "skill":
        assert "3 local (neck, sleeve_left, sleeve_right)" in log and "same-product pairs on" in log
    if method == "dino":
        assert "no local" in log and "same-product pairs off" in log
    if method in ("byol", "simclr"):
        assert "0 low-res" in log
    assert load_backbone(res.run_dir).embed_dim == tiny["embed_dim"]


def test_cpu_workers_augment_their_own_batches_with_the_steps_seeds(tmp_path, small_data, tiny):
    """A CPU run with workers makes the views in the workers (WorkerAugment), seeded per step like the main
    process: the same losses as a run without workers, and the same resume."""
    cfg = TrainConfig(task="shirt", data=str(small_data), **{**tiny, "epochs": 1})  # 3 steps
    main = train(cfg.update({"out": str(tmp_path / "main")}), progress=False)
    workers = train(cfg.update({"out": str(tmp_path / "workers"), "workers": 2}), progress=False)
    losses = []
    for run in (main, workers):
        lines = [json.loads(s) for s in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
        losses.append([r["loss"] for r in lines if r["type"] == "step"])
    assert len(losses[1]) == 3 and losses[1] == pytest.approx(losses[0], rel=1e-4, abs=1e-5)
    a, b = load_checkpoint(main.checkpoint), load_checkpoint(workers.checkpoint)
    assert all(torch.allclose(a["student"][k], b["student"][k], atol=1e-4) for k in a["student"])
    part = train(cfg.update({"out": str(tmp_path / "part"), "workers": 2, "stop_at_step": 2}), progress=False)
    done = train(TrainConfig(), resume=part.run_dir, progress=False)
    c = load_checkpoint(done.checkpoint)
    assert done.step == 3 and all(torch.allclose(b["student"][k], c["student"][k], atol=1e-5) for k in b["student"])


def test_cpu_workers_locate_heads_once_for_every_epoch(tmp_path, small_data, tiny):
    from skill_aug.detect import cache

    cache.clear()
    cfg = TrainConfig(task="shirt", data=str(small_data), **{**tiny, "use_head": True, "workers": 2,
                                                               "out": str(tmp_path / "run")})
    res = train(cfg, progress=False)
    log = (res.run_dir / "train.log").read_text()
    assert "heads located once in 24 photo(s) with 2 worker(s)" in log
    assert len(cache) == 24
    cache.clear()
