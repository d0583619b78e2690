"""Helpers shared by the benchmark scripts (real data location, timing, table printing)."""

from __future__ import annotations

import csv
import os
import platform
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLOTHING = Path(os.environ.get("SKILL_AUG_CLOTHING", REPO.parent / "shared" / "data" / "clothing-small"))


def clothing_paths(split: str = "train", limit: int | None = None) -> list[Path]:
    """Paths of real photos from ../shared/data/clothing-small (exits with a clear message when absent)."""
    manifest = CLOTHING / "manifest.csv"
    if not manifest.exists():
        raise SystemExit(f"benchmark data not found: {manifest} (set SKILL_AUG_CLOTHING to the clothing-small folder)")
    with manifest.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == split]
    paths = [CLOTHING / r["image"] for r in rows]
    return paths[:limit] if limit else paths


def machine() -> str:
    import torch

    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, {dev}, "
            f"torch {torch.__version__}, python {platform.python_version()}")


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        return False


def print_table(headers: list[str], rows: list[list], title: str = "") -> str:
    """Print (and return) a GitHub-markdown table."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = []
    if title:
        lines.append(f"\n{title}\n")
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    text = "\n".join(lines)
    print(text, flush=True)
    return text
