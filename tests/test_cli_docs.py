"""docs/cli.md is generated from the Typer apps and must match them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_up_to_date():
    text = _generator().render()
    assert "### `skill-aug preview`" in text and "### `skill-ssl train`" in text
    current = (REPO / "docs" / "cli.md").read_text()
    assert current == text, "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"
