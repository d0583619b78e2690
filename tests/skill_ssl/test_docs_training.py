"""docs/training.md documents every training setting and only real ones."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from skill_ssl.config import TrainConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def test_every_setting_is_in_the_table():
    text = DOC.read_text()
    documented = set(re.findall(r"^\| `(\w+)` \| `--", text, re.MULTILINE))
    assert documented == {f.name for f in fields(TrainConfig)}
