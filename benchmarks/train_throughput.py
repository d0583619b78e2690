"""Training throughput of ``skill-ssl train``: products (img) per second through the whole training step.

Runs the real trainer (data loading, augmentation on the device, student + teacher passes, backward,
optimizer, EMA) for a few steps with ``stop_at_step`` and reads the per-step ``img_per_s`` from the run's
metrics.jsonl; the first steps (start-up, caches, autotuning) are left out of the median.

Usage::

    python benchmarks/train_throughput.py                          # the default CPU config (skill-ssl train --task shirt)
    python benchmarks/train_throughput.py --preset paper --device cuda --amp bf16 --steps 30
                                                                   # ViT-S/8, 224/96 px, 2 + 8 crops (+ 3 local)
    python benchmarks/train_throughput.py --method dino             # any train setting as --key value
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="shirt")
    ap.add_argument("--preset", default="cpu", choices=["cpu", "paper"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", default="auto")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--skip", type=int, default=3, help="first steps left out of the median")
    args, rest = ap.parse_known_args()
    extra = {}
    for key, value in zip(rest[::2], rest[1::2]):
        extra[key.lstrip("-").replace("-", "_")] = value

    from skill_ssl.config import TrainConfig
    from skill_ssl.train import train

    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig.from_dict({"task": args.task, "preset": args.preset, "device": args.device, "amp": args.amp,
                                     "out": str(Path(tmp) / "run"), "stop_at_step": args.steps, **extra})
        res = train(cfg, progress=False)
        steps = [json.loads(s) for s in res.metrics.read_text().splitlines()]
        rates = [r["img_per_s"] for r in steps if r["type"] == "step"][args.skip:]
        resolved = TrainConfig.from_file(res.run_dir / "config.yaml")
    if not rates:
        raise SystemExit("too few steps measured; raise --steps")
    views = f"2+{resolved.n_low} at {resolved.global_size}/{resolved.low_size}"
    print_table(["config", "arch", "views", "batch", "amp", "steps", "img/s (median)", "img/s (max)"],
                [[resolved.preset, f"{resolved.arch} {resolved.timm_overrides() or ''}", views, resolved.batch_size,
                  resolved.amp, len(rates), f"{statistics.median(rates):.1f}", f"{max(rates):.1f}"]],
                title=f"skill-ssl train throughput ({resolved.method}, task {resolved.task}) on {machine()}")


if __name__ == "__main__":
    main()
