"""The example third-party plugin (examples/skill-aug-shoes), installed for real with pip.

pip installs a copy of the example into a temporary ``--target`` folder (once per session, so the
repository gets no build/ or egg-info litter); every check runs in a subprocess with that folder on
PYTHONPATH, which is how an installed plugin is found: through its entry point, nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "skill-aug-shoes"
SHOES_PHOTO = "train/shoes/00f6e504-7c27-438e-a5d7-bc65e557bb2b.jpg"  # a real pair of shoes


@pytest.fixture(scope="session")
def shoes_site(tmp_path_factory) -> Path:
    """A folder holding skill-aug-shoes as pip installs it (package + dist-info with entry points)."""
    work = tmp_path_factory.mktemp("shoes-install")
    source = work / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = work / "site"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-q", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert (target / "skill_aug_shoes" / "__init__.py").is_file()
    assert list(target.glob("skill_aug_shoes-0.1.0.dist-info/entry_points.txt"))
    return target


def env_with(site: Path, strict: bool = True) -> dict[str, str]:
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {"PYTHONPATH": path, "COLUMNS": "250", "SKILL_AUG_STRICT_PLUGINS": "1" if strict else ""}


def test_tasks_lists_shoes_with_its_distribution(cli, shoes_site):
    res = cli("skill-aug", "tasks", env=env_with(shoes_site))
    assert res.returncode == 0, res.stderr
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│ ")}
    assert "shoes" in rows, res.stdout
    assert "skill-aug-shoes 0.1.0" in rows["shoes"]
    assert "toe_box, vamp, opening, heel" in rows["shoes"]
    assert {"women_dress", "shirt", "furniture"} <= set(rows)  # the built-ins are still there


def test_not_installed_means_not_listed(cli):
    res = cli("skill-aug", "tasks", env={"COLUMNS": "250"})
    assert res.returncode == 0
    assert "skill-aug-shoes" not in res.stdout


def test_the_plugins_own_tests_pass_in_strict_mode(shoes_site):
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=EXAMPLE, env={**os.environ, **env_with(shoes_site)},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 passed" in res.stdout


def test_preview_shoes_on_a_real_photo(cli, shoes_site, clothing_dir, tmp_path):
    photo = clothing_dir / SHOES_PHOTO
    out = tmp_path / "x.png"
    res = cli("skill-aug", "preview", "--task", "shoes", str(photo), "--out", str(out), "--seed", "0",
              env=env_with(shoes_site), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert out.is_file()
    assert str(out) in res.stdout or out.name in res.stdout  # it says where it wrote the file
    with Image.open(out) as grid:
        assert grid.format == "PNG"
        assert grid.width > 224 and grid.height > 96
