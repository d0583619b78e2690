"""Shared CLI plumbing: one-line user errors, progress bars, consistent output."""

from __future__ import annotations

import os
import sys
from typing import Callable

from skill_aug.errors import SkillAugError


def run_app(app: Callable[..., object], prog: str) -> None:
    """Run a Typer app; a :class:`SkillAugError` becomes ``<prog>: error: <message>`` and exit code 2.

    Set ``SKILL_AUG_DEBUG=1`` to see the full traceback instead.
    """
    try:
        app(prog_name=prog, standalone_mode=True)
    except SkillAugError as exc:
        if os.environ.get("SKILL_AUG_DEBUG"):
            raise
        print(f"{prog}: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        sys.exit(130)


def progress(iterable=None, total: int | None = None, desc: str = "", unit: str = "it", disable: bool | None = None):
    """A tqdm progress bar on stderr when tqdm is installed and stderr is a terminal (or forced)."""
    if disable is None:
        disable = not (sys.stderr.isatty() or os.environ.get("SKILL_AUG_PROGRESS") == "1")
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with the [train] extra
        return _NoBar(iterable, total)
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, dynamic_ncols=True, file=sys.stderr)


class _NoBar:
    def __init__(self, iterable=None, total=None):
        self.iterable, self.total, self.n = iterable, total, 0

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        self.n += n

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass
