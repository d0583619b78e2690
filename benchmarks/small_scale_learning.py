"""Does a small CPU training run learn? Collapse diagnostics and kNN design accuracy vs a random-init backbone.

Trains ``skill-ssl train --task TASK`` with the CPU preset (plus any ``--set KEY=VALUE``), or reads an existing
run (``--run DIR``), then reports:

* the DINO loss at the start and the end of the run against ln K (K = ``out_dim``), and the teacher's collapse
  diagnostics logged in ``metrics.jsonl``: mean entropy of the centred, sharpened teacher (ln K = uniform
  collapse), its mean largest probability, and the entropy of its batch-mean distribution (low = one
  dimension for everything);
* on a held-out synthetic catalogue (same task, another seed, ``--eval-products`` products, one photo
  each), the kNN label agreement (``skill_ssl.evaluate.retrieval.knn_label_agreement``, leave-one-out, cosine)
  of the trained teacher backbone and of a random-init backbone of the same architecture, for every design
  factor and for the colour (lower colour agreement = more colour-invariant).

Usage::

    python benchmarks/small_scale_learning.py --task shirt                 # the default CPU run, then evaluation
    python benchmarks/small_scale_learning.py --task shirt --set momentum_teacher=0.996 --set head_bn=false
    python benchmarks/small_scale_learning.py --run runs/shirt-skill      # evaluate a finished run
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", default="shirt")
    p.add_argument("--run", type=Path, help="evaluate this finished run instead of training one")
    p.add_argument("--out", type=Path, help="run directory for the training run (default: a temporary one)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra training setting")
    p.add_argument("--eval-products", type=int, default=400)
    p.add_argument("--eval-seed", type=int, default=12345, help="seed of the held-out catalogue")
    p.add_argument("--k", type=int, nargs="+", default=[5, 20])
    p.add_argument("--threads", type=int, default=2, help="torch threads (compare runs at the same value)")
    return p.parse_args(argv)


def loss_summary(metrics: Path, out_dim: int) -> dict[str, float]:
    """Loss and collapse diagnostics at the start (first tenth of the steps) and the end (last tenth)."""
    steps = [r for r in map(json.loads, metrics.read_text().splitlines()) if r.get("type") == "step"]
    n = len(steps)
    q = max(n // 10, 1)

    def mean(key: str, part: list[dict]) -> float:
        vals = [r[key] for r in part if key in r]
        return sum(vals) / len(vals) if vals else float("nan")

    out = {"steps": n, "ln_k": math.log(out_dim)}
    for key in ("loss", "teacher_entropy", "teacher_max_prob", "teacher_batch_entropy"):
        out[f"{key}_start"], out[f"{key}_end"] = mean(key, steps[:q]), mean(key, steps[-q:])
    out["img_per_s"] = mean("img_per_s", steps[q:])
    return out


def heldout(task: str, n: int, seed: int):
    """One photo and the labels of each of ``n`` products of a fresh synthetic catalogue."""
    from skill_aug.synth import SynthCatalogue

    cat = SynthCatalogue(task, n, photos=1, size=96, seed=seed)
    images = [cat[i].photos[0] for i in range(n)]
    labels = [cat.labels(i) for i in range(n)]
    return images, labels, list(cat.design_factors), list(cat.nuisance_factors)


def knn_scores(model, images, labels, factors: list[str], ks: list[int]) -> dict[str, dict[str, float]]:
    from skill_ssl.evaluate.retrieval import ExactIndex, knn_label_agreement, neighbours_excluding_self

    x = model.embed(images, batch_size=100).numpy()
    _, nn = neighbours_excluding_self(ExactIndex(x), x, max(ks))
    return {f: knn_label_agreement(nn, [lab[f] for lab in labels], ks=ks) for f in factors}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import torch
    import yaml

    torch.set_num_threads(args.threads)
    from skill_ssl.config import TrainConfig
    from skill_ssl.models import load_backbone, random_backbone

    seconds = None
    if args.run is None:
        from skill_ssl.train import train

        extra = {}
        for item in args.set:
            key, _, value = item.partition("=")
            extra[key] = yaml.safe_load(value)
        out = args.out or Path(tempfile.mkdtemp(prefix="small-scale-")) / "run"
        t0 = time.perf_counter()
        res = train({"task": args.task, "out": str(out), **extra}, progress=False)
        seconds = time.perf_counter() - t0
        run = res.run_dir
    else:
        run = args.run
    cfg = TrainConfig.from_file(run / "config.yaml")
    s = loss_summary(run / "metrics.jsonl", cfg.out_dim)
    print(f"\nmachine: {machine()}; torch threads {args.threads}")
    print(f"run: {run} ({cfg.task}, {cfg.method}, {s['steps']} steps"
          + (f", {seconds:.0f} s wall, {s['img_per_s']:.1f} img/s)" if seconds else ")"))
    print_table(["", "start", "end"], [
        ["DINO loss (ln K = %.3f)" % s["ln_k"], f"{s['loss_start']:.3f}", f"{s['loss_end']:.3f}"],
        ["teacher entropy (nats)", f"{s['teacher_entropy_start']:.3f}", f"{s['teacher_entropy_end']:.3f}"],
        ["teacher max probability", f"{s['teacher_max_prob_start']:.3f}", f"{s['teacher_max_prob_end']:.3f}"],
        ["teacher batch-mean entropy", f"{s['teacher_batch_entropy_start']:.3f}", f"{s['teacher_batch_entropy_end']:.3f}"],
    ], title="loss and collapse diagnostics (means over the first / last tenth of the steps)")

    images, labels, design, nuisance = heldout(cfg.task, args.eval_products, args.eval_seed)
    trained = knn_scores(load_backbone(run), images, labels, design + nuisance, args.k)
    rand = knn_scores(random_backbone(cfg.arch, cfg.global_size, seed=cfg.seed, **cfg.timm_overrides()),
                      images, labels, design + nuisance, args.k)
    rows = []
    for f in design + nuisance:
        for k in args.k:
            t, r = trained[f][f"top{k}"], rand[f][f"top{k}"]
            rows.append([f + (" (colour)" if f in nuisance else ""), k, f"{t:.3f}", f"{r:.3f}", f"{t - r:+.3f}"])
    mean_t = sum(trained[f][f"top{args.k[0]}"] for f in design) / len(design)
    mean_r = sum(rand[f][f"top{args.k[0]}"] for f in design) / len(design)
    rows.append([f"mean over design factors", args.k[0], f"{mean_t:.3f}", f"{mean_r:.3f}", f"{mean_t - mean_r:+.3f}"])
    print_table(["label", "k", "trained teacher", "random init", "difference"], rows,
                title=f"kNN label agreement on {args.eval_products} held-out synthetic {cfg.task} products "
                      f"(seed {args.eval_seed}; higher is better for design, lower for colour)")


if __name__ == "__main__":
    main()
