"""``skill-ssl train`` / ``export`` through real subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from skill_ssl.checkpoint import load_checkpoint
from skill_ssl.models import load_backbone

BIN = Path(sys.executable).parent


def _one_line_error(res) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [s for s in res.stderr.splitlines() if s.startswith("skill-ssl: error:")]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def test_train_export_load(tmp_path, small_data, clothing_images, cli, tiny):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(yaml.safe_dump({"task": "shirt", "data": str(small_data), "epochs": 5, **{
        k: v for k, v in tiny.items() if k != "epochs"}}))
    out = tmp_path / "run"
    res = cli("skill-ssl", "train", "--config", str(cfg), "--epochs", "1", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"checkpoint: {out / 'checkpoint.pt'}" in res.stdout and f"log: {out / 'train.log'}" in res.stdout
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["epochs"] == 1 and saved["batch_size"] == tiny["batch_size"]   # flag beat the file
    assert saved["preset"] == "cpu" and saved["arch"] == "vit_tiny_patch16_224"
    exported = tmp_path / "backbone.safetensors"
    res = cli("skill-ssl", "export", str(out), "--out", str(exported))
    assert res.returncode == 0, res.stderr
    assert "teacher of step 3" in res.stdout
    from skill_aug.io import read_image

    photos = [torch.from_numpy(read_image(p)).permute(2, 0, 1) for p in clothing_images[:3]]
    a, b = load_backbone(out), load_backbone(exported)
    assert a.image_size == b.image_size == tiny["global_size"] and a.embed_dim == tiny["embed_dim"]
    torch.testing.assert_close(a.embed(photos), b.embed(photos))
    ckpt = load_checkpoint(out)
    teacher = {k[len("backbone."):]: v for k, v in ckpt["teacher"].items() if k.startswith("backbone.")}
    assert all(torch.equal(b.backbone.state_dict()[k], v) for k, v in teacher.items())   # the teacher, not the student


def _manifest(tmp_path: Path, small_data: Path, text: str) -> Path:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "a.jpg").symlink_to((small_data / "img00.jpg").resolve())
    (d / "manifest.csv").write_text(text)
    return d / "manifest.csv"


@pytest.mark.parametrize("text,needle", [
    ("image,product_id\na.jpg,p1\nmissing.jpg,p2\n", "do not exist: 'missing.jpg' (row 2)"),
    ("path,product_id\na.jpg,p1\n", "has no 'image' column"),
    ("image\na.jpg\n../../etc/passwd\n", "leaves the data folder"),
])
def test_bad_manifests_are_one_line_errors(tmp_path, small_data, text, needle, cli):
    manifest = _manifest(tmp_path, small_data, text)
    res = cli("skill-ssl", "train", "--task", "shirt", "--data", str(manifest), "--out", str(tmp_path / "r"))
    line = _one_line_error(res)
    assert needle in line and str(manifest) in line


def test_unknown_task_and_method(tmp_path, cli):
    line = _one_line_error(cli("skill-ssl", "train", "--task", "shrit", "--out", str(tmp_path / "r")))
    assert "did you mean 'shirt'" in line
    line = _one_line_error(cli("skill-ssl", "train", "--task", "shirt", "--method", "simclear"))
    assert "did you mean 'simclr'" in line


def _final_state(run: Path) -> dict:
    c = load_checkpoint(run)
    return {"step": c["step"], "student": c["student"], "teacher": c["teacher"], "center": c["method"]["center"]}


def test_resume_after_kill_9(tmp_path, small_data, cli, tiny_flags):
    flags = ["--task", "shirt", "--data", str(small_data), *tiny_flags(epochs=2, ckpt_every=1)]
    ref = cli("skill-ssl", "train", *flags, "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    run = tmp_path / "killed"
    exe = BIN / "skill-ssl"
    proc = subprocess.Popen([str(exe), "train", *flags, "--out", str(run)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ})
    deadline = time.time() + 120
    while not (run / "checkpoint.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_at = load_checkpoint(run)["step"]
    assert 1 <= killed_at < 6, f"the run was not interrupted (checkpoint at step {killed_at})"
    res = cli("skill-ssl", "train", "--resume", str(run))
    assert res.returncode == 0, res.stderr
    a, b = _final_state(tmp_path / "ref"), _final_state(run)
    assert a["step"] == b["step"] == 6
    for key in ("student", "teacher"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
    assert torch.equal(a["center"], b["center"])
