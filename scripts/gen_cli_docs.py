"""Regenerate docs/cli.md from the Typer apps (tests/test_cli_docs.py fails when it is stale).

Usage: python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.cli import get_docs_for_click

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
APPS = (("skill-aug", "skill_aug.cli"), ("skill-ssl", "skill_ssl.cli"))
HEADER = ("# Command-line reference\n\n"
          "Generated from the Typer apps by `python scripts/gen_cli_docs.py`; do not edit by hand.\n")


def render() -> str:
    import importlib

    parts = [HEADER]
    for name, module in APPS:
        app = importlib.import_module(module).app
        cmd = typer.main.get_command(app)
        ctx = typer.Context(cmd, info_name=name)
        parts.append(get_docs_for_click(obj=cmd, ctx=ctx, name=name, indent=1).strip() + "\n")
    return "\n".join(parts)


def main() -> int:
    DOC.write_text(render())
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
