"""Quality benchmark: does SkiLL beat DINO (and BYOL, SimCLR) on the same budget? (issue 6, part 3)

Trains every contender with the same backbone, epochs, batch and seed through the public trainer API
(:func:`skill_ssl.train.train`), then evaluates all of them together, plus a random-init floor, with the eval
suite (:func:`skill_ssl.evaluate.suite.evaluate`) on held-out data:

* ``synth``: the built-in synthetic catalogue (written to disk once; known design factors and the ``color``
  nuisance); trained on its ``train`` split (without the ground-truth region boxes: regions are detected as on
  real photos), probes fitted on ``train`` and scored on ``test``.
* ``clothing``: ``../shared/data/clothing-small`` (label column ``label``); trained on (a seeded subset of) its
  ``train`` split, probes scored on ``validation`` + ``test``.

Contenders: skill, dino, byol, simclr, and the paper's SkiLL ablations: without local augmentation
(``use_local False``), without head preprocessing (``use_head False``), colour probabilities 0.1 instead of
(0.5, 0.8, 0.5) (``gray_p = jitter_p = blur_p = 0.1``); ``random`` = the untrained backbone.

Writes ``results.json``, ``results.md`` (Table-2 layout: rows models, columns linear / non-linear x Acc, R@90,
R@95, averaged over the design labels; per-label tables; colour entropy and colour-probe accuracy), one
``color_entropy_<dataset>.png`` per data set and each data set's full eval report into ``--out``.

Usage::

    python benchmarks/quality.py --quick --out /tmp/quality-quick        # a couple of minutes (smoke run)
    python benchmarks/quality.py --out runs/quality                       # the CPU benchmark (about 35 min on 2 cores)
    python benchmarks/quality.py --full --device cuda --out quality-full  # the paper's sizes (GPU)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CLOTHING, machine, print_table  # noqa: E402

#: contenders trained: name -> TrainConfig overrides (on top of the shared budget)
CONTENDERS: dict[str, dict[str, Any]] = {
    "skill": {"method": "skill"},
    "dino": {"method": "dino"},
    "byol": {"method": "byol"},
    "simclr": {"method": "simclr"},
    "skill w/o local aug": {"method": "skill", "use_local": False},
    "skill w/o head preproc": {"method": "skill", "use_head": False},
    "skill color p=0.1": {"method": "skill", "gray_p": 0.1, "jitter_p": 0.1, "blur_p": 0.1},
}
RANDOM = "random init"
PROBES = (("linear", "Linear"), ("mlp", "Non-linear"))
METRICS = (("acc", "Acc"), ("r@90", "R@90"), ("r@95", "R@95"))


@dataclass
class Budget:
    """What every contender gets on one size setting (``--quick``, default CPU, ``--full``)."""

    preset: str
    epochs_synth: int
    epochs_clothing: int
    batch_size: int
    synth_products: int
    synth_size: int
    synth_photos: str
    clothing_train: int | None       # seeded subset of the clothing train split used for training and probes
    clothing_test: int | None        # seeded subset of validation + test
    train: dict[str, Any] = field(default_factory=dict)  # extra TrainConfig settings

    @classmethod
    def named(cls, name: str) -> "Budget":
        if name == "quick":
            return cls("cpu", 1, 1, 16, 48, 64, "2-3", 96, 96, {"global_size": 48, "low_size": 24, "local_size": 24,
                                                                    "n_low": 2})
        if name == "full":
            return cls("paper", 100, 100, 64, 5000, 224, "3-5", None, None, {"workers": 8})
        return cls("cpu", 50, 30, 32, 320, 96, "2-4", 384, None, {})  # the CPU preset's 50 epochs: 400 / 360 steps


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


# --- data ------------------------------------------------------------------------------------------

def synth_data(root: Path, task: str, b: Budget, seed: int) -> tuple[Path, Path]:
    """``(train manifest, eval manifest)`` of the synthetic catalogue on disk (images + split and factor columns).

    The training manifest drops the catalogue's ground-truth ``box_*`` columns, so the regions are found the way
    they are on real photos (head detection, silhouette fallback): otherwise the given boxes would be used and
    the "without head preprocessing" ablation would change nothing."""
    from skill_aug.synth import SynthCatalogue, write_catalogue

    manifest = root / "manifest.csv"
    if not manifest.exists():
        cat = SynthCatalogue(task, b.synth_products, photos=b.synth_photos, size=b.synth_size, seed=seed)
        write_catalogue(cat, root, workers=1)
    train_m = root / "train.csv"
    with manifest.open(newline="") as fh, train_m.open("w", newline="") as out:
        reader = csv.DictReader(fh)
        keep = [c for c in reader.fieldnames or [] if not c.startswith("box_")]
        w = csv.DictWriter(out, fieldnames=keep, extrasaction="ignore")
        w.writeheader()
        w.writerows(reader)
    return train_m, manifest


def clothing_data(root: Path, b: Budget, seed: int) -> tuple[Path, Path]:
    """``(train manifest, eval manifest)`` for clothing-small: training rows (a seeded subset of ``train``) and
    an eval manifest of those rows plus ``validation`` + ``test`` rows relabelled ``test`` (through a symlink)."""
    src = CLOTHING / "manifest.csv"
    if not src.exists():
        raise SystemExit(f"benchmark data not found: {src} (set SKILL_AUG_CLOTHING to the clothing-small folder)")
    with src.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rng = random.Random(seed)
    train = [r for r in rows if r["split"] == "train"]
    held = [r for r in rows if r["split"] in ("validation", "test")]
    if b.clothing_train and len(train) > b.clothing_train:
        train = sorted(rng.sample(train, b.clothing_train), key=rows.index)
    if b.clothing_test and len(held) > b.clothing_test:
        held = sorted(rng.sample(held, b.clothing_test), key=rows.index)
    root.mkdir(parents=True, exist_ok=True)
    link = root / "clothing-small"  # manifests hold paths inside their folder: link the shared data in
    if not link.exists():
        link.symlink_to(CLOTHING.resolve(), target_is_directory=True)

    def write(path: Path, items: list[dict], split_as: str | None) -> Path:
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["image", "split", "label"])
            for r in items:
                w.writerow([f"clothing-small/{r['image']}", split_as or r["split"], r["label"]])
        return path

    train_m = write(root / "train.csv", train, "train")
    eval_m = root / "eval.csv"
    write(eval_m, train, "train")
    with eval_m.open("a", newline="") as fh:
        w = csv.writer(fh)
        for r in held:
            w.writerow([f"clothing-small/{r['image']}", "test", r["label"]])
    return train_m, eval_m


# --- training and evaluation -----------------------------------------------------------------------

def train_one(name: str, overrides: dict[str, Any], common: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """Train one contender through the public API; returns its run summary (time, loss per epoch)."""
    from skill_ssl.config import TrainConfig
    from skill_ssl.train import train

    if (run_dir / "checkpoint.pt").exists() and (run_dir / "summary.json").exists():
        return json.loads((run_dir / "summary.json").read_text())  # resumable benchmark: reuse finished runs
    cfg = TrainConfig.from_dict({**common, **overrides, "out": str(run_dir)})
    t0 = time.perf_counter()
    res = train(cfg, progress=False)
    seconds = time.perf_counter() - t0
    records = [json.loads(s) for s in res.metrics.read_text().splitlines()]
    epochs = [r["loss"] for r in records if r["type"] == "epoch"]
    summary = {"name": name, "run": str(res.run_dir), "steps": res.step, "seconds": round(seconds, 1),
               "loss_first_epoch": epochs[0] if epochs else None, "loss_last_epoch": epochs[-1] if epochs else None,
               "overrides": overrides}
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"  trained {name}: {res.step} steps in {seconds:.0f} s, loss {summary['loss_first_epoch']:.4f} -> "
          f"{summary['loss_last_epoch']:.4f}", flush=True)
    return summary


def random_spec(common: dict[str, Any], device: str) -> str:
    """The ``random:`` RUN spec of the same (untrained) backbone the contenders start from."""
    from skill_ssl.config import TrainConfig

    cfg = TrainConfig.from_dict({k: v for k, v in common.items() if k != "out"}).resolve(
        "cuda" if device.startswith("cuda") else "cpu")
    keys = ",".join(f"{k}={v}" for k, v in cfg.timm_overrides().items())
    return f"random:{cfg.arch},image_size={cfg.global_size},seed={cfg.seed}" + (f",{keys}" if keys else "")


def run_dataset(ds: str, train_manifest: Path | None, eval_manifest: Path, labels: list[str], task: str,
                epochs: int, b: Budget, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from skill_ssl.evaluate.suite import EvalSettings, evaluate

    common = {"task": task, "preset": b.preset, "device": args.device, "seed": args.seed, "epochs": epochs,
              "batch_size": b.batch_size, "data": str(train_manifest), "split": "train", **b.train}
    names = [n for n in CONTENDERS if n in args.models]
    runs, summaries = [], {}
    print(f"[{ds}] training {len(names)} contenders ({epochs} epochs, batch {b.batch_size}, seed {args.seed})",
          flush=True)
    for name in names:
        summaries[name] = train_one(name, CONTENDERS[name], common, out / "runs" / ds / slug(name))
        runs.append(summaries[name]["run"])
    runs.append(random_spec(common, args.device))
    print(f"[{ds}] evaluating {len(runs)} models on {eval_manifest}", flush=True)
    t0 = time.perf_counter()
    settings = EvalSettings(labels=labels, seed=args.seed, device=args.device, workers=args.eval_workers,
                            plots=False)
    report = evaluate(runs, eval_manifest, out / f"eval_{ds}", settings)
    eval_seconds = time.perf_counter() - t0
    model_names = names + [RANDOM]
    rows = {}
    for name, m in zip(model_names, report["models"]):
        per_label = {lab: {p: {k: m["probes"][lab].get(p, {}).get(k) for k, _ in METRICS} for p, _ in PROBES}
                     for lab in labels}
        mean = {p: {k: statistics.fmean(per_label[lab][p][k] for lab in labels) for k, _ in METRICS}
                for p, _ in PROBES}
        c = m["color"]
        rows[name] = {"mean": mean, "labels": per_label, "color_entropy": c["entropy_mean"],
                      "color_entropy_shuffled": c["entropy_shuffled"], "color_probe_acc": c["color_probe_acc"],
                      "color_probe_majority": c["color_probe_majority"], "train": summaries.get(name)}
    d = report["data"]
    info = {"eval_manifest": str(eval_manifest), "train_manifest": str(train_manifest), "task": task,
            "epochs": epochs, "labels": labels, "n_embedded": d["n_embedded"], "n_clusters": report["settings"]["n_clusters"],
            "splits": {lab: report["models"][0]["probes"][lab].get("split") for lab in labels},
            "eval_seconds": round(eval_seconds, 1), "models": rows}
    from skill_ssl.evaluate.plots import entropy_bars

    entropy_bars(model_names, [rows[n]["color_entropy"] for n in model_names], out / f"color_entropy_{ds}.png",
                 chance=[rows[n]["color_entropy_shuffled"] for n in model_names], n_clusters=info["n_clusters"])
    return info


# --- report ----------------------------------------------------------------------------------------

def pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}"


def tables(ds: str, info: dict[str, Any]) -> str:
    """The markdown of one data set: Table-2 layout (mean over labels), colour columns, per-label tables."""
    parts = []
    head = ["model"] + [f"{pt} {mt}" for _, pt in PROBES for _, mt in METRICS] + [
        "color entropy (bits) ↑", "color-probe acc (%) ↓", "train s", "loss 1st → last epoch"]
    rows = []
    for name, r in info["models"].items():
        t = r["train"] or {}
        loss = (f"{t['loss_first_epoch']:.3f} → {t['loss_last_epoch']:.3f}"
                if t.get("loss_first_epoch") is not None else "-")
        rows.append([name] + [pct(r["mean"][p][k]) for p, _ in PROBES for k, _ in METRICS] +
                    [f"{r['color_entropy']:.3f}", pct(r["color_probe_acc"]), t.get("seconds", "-"), loss])
    labels = info["labels"]
    title = (f"{ds}: task {info['task']}, {info['epochs']} epochs; probes: mean over {', '.join(labels)} "
             f"({info['splits'][labels[0]]}); {info['n_embedded']} images embedded, {info['n_clusters']} clusters; "
             f"shuffled-color entropy ≈ {statistics.fmean(r['color_entropy_shuffled'] for r in info['models'].values()):.3f} bits")
    parts.append(print_table(head, rows, title=f"### {title}"))
    if len(labels) > 1:
        for lab in labels:
            head_l = ["model"] + [f"{pt} {mt}" for _, pt in PROBES for _, mt in METRICS]
            rows_l = [[name] + [pct(r["labels"][lab][p][k]) for p, _ in PROBES for k, _ in METRICS]
                      for name, r in info["models"].items()]
            parts.append(print_table(head_l, rows_l, title=f"#### {ds}: `{lab}`"))
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of a couple of minutes")
    size.add_argument("--full", action="store_true", help="the paper's sizes (ViT-S/8, 224/96 px; for a GPU)")
    ap.add_argument("--out", type=Path, default=Path("runs/quality"), help="results folder (runs/ is git-ignored)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--datasets", default="synth,clothing", help="comma-separated: synth, clothing")
    ap.add_argument("--synth-task", default="women_dress")
    ap.add_argument("--clothing-task", default="shirt")
    ap.add_argument("--models", default=",".join(CONTENDERS), help="comma-separated contenders to train")
    ap.add_argument("--eval-workers", type=int, default=2)
    args = ap.parse_args()
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in CONTENDERS]
    if unknown:
        raise SystemExit(f"unknown contender(s) {unknown}; choose from {', '.join(CONTENDERS)}")
    b = Budget.named("quick" if args.quick else "full" if args.full else "cpu")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "command": " ".join(sys.argv), "budget": b.__dict__,
                               "datasets": {}}
    from skill_aug.synth import SynthCatalogue

    for ds in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        if ds == "synth":
            train_m, eval_m = synth_data(out / "data" / "synth", args.synth_task, b, args.seed)
            labels = list(SynthCatalogue(args.synth_task, 1).design_factors)
            info = run_dataset(ds, train_m, eval_m, labels, args.synth_task, b.epochs_synth, b, args, out)
        elif ds == "clothing":
            train_m, eval_m = clothing_data(out / "data" / "clothing", b, args.seed)
            info = run_dataset(ds, train_m, eval_m, ["label"], args.clothing_task, b.epochs_clothing, b, args, out)
        else:
            raise SystemExit(f"unknown data set {ds!r}; choose synth and/or clothing")
        results["datasets"][ds] = info
        (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    results["seconds"] = round(time.perf_counter() - t_start, 1)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    md = [f"# Quality: SkiLL vs DINO\n\nMachine: {results['machine']}\n\nCommand: `{results['command']}` "
          f"({results['seconds'] / 60:.1f} min)\n"]
    for ds, info in results["datasets"].items():
        md.append(tables(ds, info))
        md.append(f"\n![color entropy, {ds}](color_entropy_{ds}.png)\n")
    (out / "results.md").write_text("\n".join(md) + "\n")
    print(f"\nwrote {out / 'results.md'}, {out / 'results.json'} in {results['seconds'] / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
