"""How fast the synthetic catalogue renders: images per second, 1 and 2 processes, per task.

Wall-clock rates depend on what else the machine runs; the CPU time per image (this process plus its
worker processes) does not, so the table shows both.

    .venv/bin/python benchmarks/synth_speed.py                    # 2,000 images per task at 128 px
    .venv/bin/python benchmarks/synth_speed.py --images 10000     # the 10,000-image claim of the docs

Two modes: ``memory`` renders photos (numpy, what ``SynthCatalogue[i]`` does minus the tensor
copy); ``disk`` is ``skill-aug synth`` without the CLI (render + JPEG encode + write + manifest).
Every product has exactly 4 photos so that the image count is exact.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Timer, machine, print_table  # noqa: E402

from skill_aug.synth import SynthCatalogue, write_catalogue  # noqa: E402

PHOTOS = 4


def _render_range(job: tuple[SynthCatalogue, int, int]) -> int:
    catalogue, start, stop = job
    return sum(len(catalogue.render(i)[1]) for i in range(start, stop))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def in_memory(catalogue: SynthCatalogue, processes: int) -> tuple[int, float]:
    """Render every product in memory with ``processes`` processes; (images, wall seconds)."""
    from skill_aug.synth.write import _context

    n = len(catalogue)
    step = max(1, n // (processes * 8))
    jobs = [(catalogue, s, min(n, s + step)) for s in range(0, n, step)]
    if processes == 1:
        with Timer() as t:
            images = sum(map(_render_range, jobs))
        return images, t.seconds
    with ProcessPoolExecutor(processes, mp_context=_context()) as pool:
        list(pool.map(_render_range, [(catalogue, 0, 1)] * processes))  # start-up not counted
        with Timer() as t:
            images = sum(pool.map(_render_range, jobs))
    return images, t.seconds


def to_disk(catalogue: SynthCatalogue, processes: int) -> tuple[int, float]:
    """``write_catalogue`` into a temporary folder; (images, wall seconds) including process start-up."""
    with tempfile.TemporaryDirectory() as tmp:
        with Timer() as t:
            manifest = write_catalogue(catalogue, Path(tmp) / "out", workers=processes, show_progress=False)
        with manifest.open() as fh:
            images = sum(1 for _ in fh) - 1
    return images, t.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=2000, help="images per task and run (default 2000)")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--tasks", nargs="+", default=["women_dress", "shirt", "furniture"])
    ap.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--modes", nargs="+", default=["memory", "disk"], choices=["memory", "disk"])
    args = ap.parse_args()

    print(f"machine: {machine()}")
    rows = []
    for task in args.tasks:
        catalogue = SynthCatalogue(task, max(1, args.images // PHOTOS), photos=PHOTOS, size=args.size, seed=0)
        catalogue.render(0)  # imports and caches warm
        for mode in args.modes:
            for p in args.processes:
                cpu0 = _cpu_seconds()
                images, seconds = (in_memory if mode == "memory" else to_disk)(catalogue, p)
                cpu_ms = (_cpu_seconds() - cpu0) / images * 1000
                rows.append([task, args.size, mode, p, images, f"{seconds:.1f}", f"{images / seconds:.0f}",
                             f"{10_000 / (images / seconds):.0f}", f"{cpu_ms:.2f}", f"{cpu_ms * 10:.0f}"])
    print_table(["task", "size", "mode", "processes", "images", "wall s", "images/s", "wall s per 10k",
                 "CPU ms/image", "CPU s per 10k"], rows,
                title=f"synthetic catalogue rendering ({args.images} images per run; load average "
                      f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)")


if __name__ == "__main__":
    main()
