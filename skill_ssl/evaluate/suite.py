"""``skill-ssl eval``: every metric and picture for one or more models on one labelled data set.

Images are decoded once and embedded by all models in the same pass (so every model sees exactly the
same images, split, color IDs and number of clusters); then, per model: linear and MLP probes per label
column, color entropy and the color probe, kNN retrieval, and the pictures. :func:`evaluate` returns the
report (a JSON-ready dict) and writes it with the pictures into the output folder.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from skill_aug.errors import ConfigError, did_you_mean
from skill_ssl.evaluate import color as colormod
from skill_ssl.evaluate.embed import embed_records, load_model, model_info, slugify
from skill_ssl.evaluate.probes import PROBES, probe_proba, probe_scores, train_test_split
from skill_ssl.evaluate.retrieval import (ExactIndex, knn_label_agreement, neighbours_excluding_self,
                                          product_precision_at_k)


@dataclass
class EvalSettings:
    """Everything that shapes an evaluation; saved in report.json."""

    labels: list[str] | None = None      # label columns; None: every label column with more than one class
    n_clusters: int | None = None        # L; None: min(50, images // 4), the same for every model
    color_crop: str = "foreground"       # foreground | person | none
    test_size: float = 0.3               # when the data has no usable split column
    seed: int = 0
    ks: tuple[int, ...] = (1, 5, 20)
    max_images: int | None = None        # evaluate a seeded random subset of this size
    probes: tuple[str, ...] = PROBES
    batch_size: int = 64
    workers: int = 4
    device: str = "cpu"
    skip_missing: bool = False
    plots: bool = True
    n_queries: int = 6                   # rows of the neighbour montage
    montage_k: int = 6                   # neighbours per row
    montage_clusters: int = 12           # rows of the cluster montage (largest clusters)
    montage_per_row: int = 8             # images per cluster row
    map_max_points: int = 2000           # t-SNE on a seeded subset of at most this many images
    cluster_max_items: int = 20_000      # Ward clustering (quadratic memory) on a seeded subset of at most this many


def _label_columns(records, wanted: list[str] | None) -> dict[str, list[str]]:
    available: dict[str, None] = {}
    for r in records:
        available.update(dict.fromkeys(r.labels))
    values = {c: [r.labels.get(c, "") for r in records] for c in available}
    if wanted:
        for c in wanted:
            if c not in values:
                raise ConfigError(f"--label {c!r} is not a column of the data{did_you_mean(c, values)}; "
                                  f"label columns: {', '.join(values) or '(none)'}")
        return {c: values[c] for c in wanted}
    return {c: v for c, v in values.items() if len({x for x in v if x}) > 1}


def _subset(records, max_images: int | None, seed: int):
    if not max_images or len(records) <= max_images:
        return records
    if max_images < 2:
        raise ConfigError(f"--max-images {max_images} must be at least 2")
    pick = np.sort(np.random.default_rng(seed).choice(len(records), size=max_images, replace=False))
    return [records[i] for i in pick]


def unique_names(names: list[str]) -> list[str]:
    """``names`` with ``-2``, ``-3``, ... appended to repeats."""
    out, seen = [], {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def evaluate(runs: list[str], data: str | os.PathLike, out: str | os.PathLike,
             settings: EvalSettings | None = None) -> dict:
    """Evaluate every ``RUN`` on ``data``; write report.json, report.md and PNGs to ``out``; return the report."""
    from skill_aug.io import load_records
    from skill_ssl.evaluate.report import write_report

    s = settings or EvalSettings()
    if not runs:
        raise ConfigError("name at least one RUN to evaluate (a run folder, checkpoint, .safetensors or random:<arch>)")
    if s.color_crop not in colormod.CROPS:
        raise ConfigError(f"--color-crop {s.color_crop!r} is not one of {', '.join(colormod.CROPS)}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; pass a folder for report.json, report.md and the pictures")
    all_records, missing = load_records(data, skip_missing=s.skip_missing)
    records = _subset(all_records, s.max_images, s.seed)
    if s.n_clusters is not None and not 2 <= s.n_clusters <= min(len(records), s.cluster_max_items):
        raise ConfigError(f"--n-clusters {s.n_clusters} must be between 2 and the number of images "
                          f"({min(len(records), s.cluster_max_items)})")
    labels_all = _label_columns(records, s.labels)
    models = [load_model(r, s.device) for r in runs]
    infos = [model_info(r, m) for r, m in zip(runs, models)]
    names = unique_names([i["name"] for i in infos])

    colors_all = np.full(len(records), -1, dtype=np.int64)
    detector = None
    if s.color_crop == "person":
        from skill_aug.detect import get_detector

        detector = get_detector()

    def on_batch(idx, images):
        colors_all[idx] = colormod.color_ids(images, s.color_crop, detector)

    emb = embed_records(models, records, batch_size=s.batch_size, workers=s.workers, on_batch=on_batch)
    kept = emb.kept
    n = len(kept)
    if n < 4:
        raise ConfigError(f"{data}: only {n} readable image(s) ({len(emb.skipped)} skipped); evaluation needs at least 4")
    recs = [records[i] for i in kept]
    colors = colors_all[kept]
    splits = [r.split for r in recs]
    labels = {c: [v[i] for i in kept] for c, v in labels_all.items()}
    n_clusters = s.n_clusters or max(2, min(50, n // 4))

    rng = np.random.default_rng(s.seed)
    queries = np.sort(rng.choice(n, size=min(s.n_queries, n), replace=False))
    map_idx = np.sort(rng.choice(n, size=min(s.map_max_points, n), replace=False))
    cl_idx = np.sort(rng.choice(n, size=min(s.cluster_max_items, n), replace=False))
    if not 2 <= n_clusters <= len(cl_idx):
        raise ConfigError(f"--n-clusters {n_clusters} must be between 2 and the number of readable images "
                          f"({len(cl_idx)})")
    cl_colors = colors[cl_idx]
    first_label = next(iter(labels), None)

    report: dict = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "data": {
            "path": str(data), "n_records": len(all_records), "n_evaluated": len(records), "n_embedded": n,
            "skipped": emb.skipped, "missing": missing,
            "labels": {c: _class_counts(v) for c, v in labels.items()},
            "color_ids": {colormod.COLOR_NAMES[k]: int(c) for k, c in enumerate(np.bincount(colors, minlength=len(colormod.PALETTE))) if c},
        },
        "settings": {**asdict(s), "n_clusters": n_clusters, "palette": colormod.COLOR_NAMES},
        "models": [],
        "plots": {},
    }
    if s.plots:
        out.mkdir(parents=True, exist_ok=True)
    slugs = unique_names([slugify(nm) for nm in names])
    for name, slug, info, x in zip(names, slugs, infos, emb.embeddings):
        entry = {"name": name, "model": info, "probes": {}, "plots": {}}
        for col, values in labels.items():
            entry["probes"][col] = _probe_label(x, values, splits, s)
        clusters = colormod.cluster_embeddings(x[cl_idx], n_clusters)
        ent = colormod.cluster_color_entropy(clusters, cl_colors)
        cs = train_test_split(splits, colors, s.test_size, s.seed)
        color_acc, majority = _color_probe(x, colors, cs, s.seed)
        chance = colormod.shuffled_color_entropy(clusters, cl_colors, seed=s.seed)
        entry["color"] = {"n_clusters": n_clusters, "n_clustered": int(len(cl_idx)), "entropy_mean": ent.mean, "entropy_weighted": ent.weighted_mean,
                          "entropy_shuffled": chance, "max_bits": ent.max_bits, "color_probe_acc": color_acc,
                          "color_probe_majority": majority, "color_probe_split": cs.how}
        index = ExactIndex(x)
        sims, nn = neighbours_excluding_self(index, x, max(s.ks))
        entry["retrieval"] = {"label_agreement": {}, "product_precision": None}
        for col, values in labels.items():
            entry["retrieval"]["label_agreement"][col] = knn_label_agreement(nn, values, s.ks)
        entry["retrieval"]["product_precision"] = product_precision_at_k(nn, [r.product_id for r in recs], s.ks)
        if s.plots:
            caption = labels.get(first_label) if first_label else None
            entry["plots"] = _model_plots(out, slug, name, recs, x, sims, nn, queries, cl_idx, clusters, ent, colors,
                                          caption, map_idx, s)
        report["models"].append(entry)
    if s.plots:
        from skill_ssl.evaluate.plots import entropy_bars

        entropy_bars([m["name"] for m in report["models"]], [m["color"]["entropy_mean"] for m in report["models"]],
                     out / "color_entropy.png", chance=[m["color"]["entropy_shuffled"] for m in report["models"]],
                     n_clusters=n_clusters)
        report["plots"]["color_entropy"] = "color_entropy.png"
    write_report(out, report)
    return report


def _class_counts(values: list[str]) -> dict[str, int]:
    names, counts = np.unique(np.asarray([v for v in values if v], dtype=object).astype(str), return_counts=True)
    return {str(k): int(c) for k, c in zip(names, counts)}


def _probe_label(x: np.ndarray, values: list[str], splits: list, s: EvalSettings) -> dict:
    has = np.flatnonzero([bool(v) for v in values])
    vals = [values[i] for i in has]
    sp = train_test_split([splits[i] for i in has], vals, s.test_size, s.seed)
    result = {"split": sp.how, "n_train": int(len(sp.train)), "n_test": int(len(sp.test)),
              "n_classes": len(set(vals))}
    if len(sp.test) == 0 or len(sp.train) == 0:
        result["skipped"] = "no test or no training samples"
        return result
    result.update(probe_scores(x[has], vals, sp, kinds=s.probes, seed=s.seed))
    return result


def _color_probe(x: np.ndarray, colors: np.ndarray, sp, seed: int) -> tuple[float | None, float | None]:
    if len(sp.test) == 0 or len(sp.train) == 0:
        return None, None
    n_colors = len(colormod.PALETTE)
    proba = probe_proba("linear", x[sp.train], colors[sp.train], x[sp.test], n_colors, seed)
    acc = float((proba.argmax(axis=1) == colors[sp.test]).mean())
    majority = float((colors[sp.test] == np.bincount(colors[sp.train], minlength=n_colors).argmax()).mean())
    return acc, majority


def _model_plots(out: Path, slug: str, name: str, recs, x, sims, nn, queries, cl_idx, clusters, ent, colors,
                 caption, map_idx, s: EvalSettings) -> dict:
    """Neighbour montage, cluster montage (``clusters`` are of the images ``cl_idx``) and t-SNE map of one model."""
    from skill_ssl.evaluate.plots import cluster_montage, embedding_map, neighbour_montage, tsne_2d

    cap = (lambda i: caption[i]) if caption is not None else (lambda i: "")
    rows = []
    for q in queries:
        k = min(s.montage_k, nn.shape[1])
        rows.append((recs[q].image, cap(q), [(recs[j].image, 1.0 - float(d), cap(j))
                                             for j, d in zip(nn[q, :k], sims[q, :k])]))
    plots = {"neighbours": neighbour_montage(rows, out / f"neighbours_{slug}.png").name}
    sizes = np.bincount(clusters)
    ent_of = dict(zip(np.flatnonzero(sizes), ent.per_cluster))
    rows_c = []
    for c in np.argsort(-sizes, kind="stable")[:s.montage_clusters]:
        members = cl_idx[clusters == c]
        top_color = colormod.COLOR_NAMES[np.bincount(colors[members]).argmax()]
        lines = [f"cluster {c}", f"n={sizes[c]}", f"H={ent_of[c]:.2f} bits", f"color: {top_color}"]
        if caption is not None:
            vals, cnt = np.unique(np.asarray([caption[i] for i in members], dtype=object).astype(str), return_counts=True)
            lines.append(f"{vals[cnt.argmax()]} {cnt.max()}/{len(members)}")
        rows_c.append(("\n".join(lines), [(recs[i].image, colormod.COLOR_NAMES[colors[i]])
                                          for i in members[:s.montage_per_row]]))
    plots["clusters"] = cluster_montage(rows_c, out / f"clusters_{slug}.png", per_row=s.montage_per_row).name
    if len(map_idx) >= 5:
        xy = tsne_2d(x[map_idx], seed=s.seed)
        plots["map"] = embedding_map(xy, [caption[i] for i in map_idx] if caption is not None else None,
                                     colors[map_idx], out / f"map_{slug}.png", title=name,
                                     color_names=colormod.COLOR_NAMES, color_rgb=colormod.PALETTE_RGB).name
    return plots
