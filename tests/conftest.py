"""Shared fixtures: real data, real CLIs, a clean plugin registry."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLOTHING = Path(os.environ.get("SKILL_AUG_CLOTHING", REPO.parent / "shared" / "data" / "clothing-small"))
BIN = Path(sys.executable).parent

os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture(scope="session")
def clothing_dir() -> Path:
    """The real clothing photos (../shared/data/clothing-small)."""
    if not (CLOTHING / "manifest.csv").exists():
        pytest.skip(f"real data not found at {CLOTHING} (set SKILL_AUG_CLOTHING)")
    return CLOTHING


@pytest.fixture(scope="session")
def clothing_rows(clothing_dir) -> list[dict]:
    with (clothing_dir / "manifest.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def clothing_images(clothing_dir, clothing_rows) -> list[Path]:
    """Eight real photos, one or more per class, in a fixed order."""
    seen, out = set(), []
    for row in clothing_rows:
        if row["split"] == "train" and row["label"] not in seen:
            seen.add(row["label"])
            out.append(clothing_dir / row["image"])
        if len(out) == 8:
            break
    return out


@pytest.fixture
def fresh_plugins():
    """Forget loaded plugins before and after the test."""
    from skill_aug.plugins import reset_registry

    reset_registry()
    yield
    reset_registry()


def run_cli(prog: str, *args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 600):
    """Run an installed console script (``skill-aug`` or ``skill-ssl``) in a real subprocess."""
    exe = BIN / prog
    cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", prog.replace("-", "_").replace("skill_aug", "skill_aug.cli").replace("skill_ssl", "skill_ssl.cli"), *args]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli
