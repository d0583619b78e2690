"""Fixtures for the trainer tests: tiny model settings and a small real data set."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

#: a ViT small enough for a CPU step in well under a second
TINY: dict = dict(depth=2, embed_dim=64, num_heads=2, global_size=32, low_size=16, local_size=16, n_low=2,
                  out_dim=128, head_hidden=64, head_bottleneck=32, batch_size=4, workers=0, epochs=2,
                  warmup_epochs=1, warmup_teacher_temp_epochs=1, teacher_temp=0.07,  # a warm-up 0.04 -> 0.07 to check
                  use_head=False)  # no head detection: faster


def _tiny_flags(**extra) -> list[str]:
    """``TINY`` (plus ``extra``) as ``skill-ssl train`` flags."""
    out = []
    for k, v in {**TINY, **extra}.items():
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            out.append(flag if v else "--no-" + k.replace("_", "-"))
        else:
            out += [flag, str(v)]
    return out


@pytest.fixture
def tiny() -> dict:
    """TINY as a fresh dict."""
    return dict(TINY)


@pytest.fixture
def tiny_flags():
    """``tiny_flags(**extra)``: TINY (plus extra settings) as ``skill-ssl train`` flags."""
    return _tiny_flags


@pytest.fixture(scope="session")
def small_data(tmp_path_factory, clothing_dir, clothing_rows) -> Path:
    """24 real clothing photos (links) with a manifest grouping them two per product: 12 products."""
    root = tmp_path_factory.mktemp("small-data")
    rows = [r for r in clothing_rows if r["split"] == "train"][:24]
    with (root / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "product_id", "label"])
        for i, r in enumerate(rows):
            name = f"img{i:02d}.jpg"
            os.symlink(clothing_dir / r["image"], root / name)
            w.writerow([name, f"p{i // 2:02d}", r["label"]])
    return root
