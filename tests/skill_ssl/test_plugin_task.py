"""``--task`` from a third-party plugin: the example package examples/skill-aug-shoes, installed with pip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skill_ssl.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "skill-aug-shoes"


@pytest.fixture(scope="module")
def shoes_site(tmp_path_factory) -> Path:
    """skill-aug-shoes installed by pip into a throw-away --target folder (found through its entry point)."""
    work = tmp_path_factory.mktemp("shoes")
    src = work / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                          "--disable-pip-version-check", "-q", "--target", str(work / "site"), str(src)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return work / "site"


@pytest.fixture
def shoes_data(tmp_path, clothing_dir, clothing_rows) -> Path:
    rows = [r for r in clothing_rows if r["label"] == "shoes"][:8]
    lines = ["image"]
    for i, r in enumerate(rows):
        (tmp_path / f"s{i}.jpg").symlink_to(clothing_dir / r["image"])
        lines.append(f"s{i}.jpg")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "manifest.csv"


def test_train_with_a_plugin_task(tmp_path, shoes_site, shoes_data, cli, tiny_flags):
    env = {"PYTHONPATH": os.pathsep.join([str(shoes_site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "SKILL_AUG_STRICT_PLUGINS": ""}
    out = tmp_path / "run"
    res = cli("skill-ssl", "train", "--task", "shoes", "--data", str(shoes_data), "--out", str(out),
              *tiny_flags(epochs=1), env=env)
    assert res.returncode == 0, res.stderr
    log = (out / "train.log").read_text()
    assert "task shoes" in log and "4 local (toe_box, vamp, opening, heel)" in log
    assert load_checkpoint(out)["step"] == 2
    # without the plugin installed the task is unknown, with a one-line error
    res = cli("skill-ssl", "train", "--task", "shoes", "--data", str(shoes_data), "--out", str(tmp_path / "r2"))
    assert res.returncode == 2 and "unknown task 'shoes'" in res.stderr
