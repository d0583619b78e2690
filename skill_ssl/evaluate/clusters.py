"""``skill-ssl clusters``: agglomerative clusters of an embedding index, as a CSV, a summary and montages."""

from __future__ import annotations

import csv
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from skill_aug.errors import ConfigError, ImageError
from skill_ssl.evaluate import color as colormod
from skill_ssl.evaluate.index import EmbeddingIndex

ROWS_PER_PAGE = 25


def _image_color(path: str, crop: str, detector) -> int:
    from skill_aug.io import read_image

    try:
        return colormod.color_id(read_image(path, max_side=256), crop, detector)
    except ImageError:
        return -1


def index_color_ids(paths: list[str], crop: str = "foreground", workers: int = 4, progress: bool | None = None) -> np.ndarray:
    """Color ID of each image path (-1 for unreadable images), decoded in ``workers`` threads."""
    from skill_aug.console import progress as bar

    detector = None
    if crop == "person":
        from skill_aug.detect import get_detector

        detector = get_detector()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        it = pool.map(lambda p: _image_color(p, crop, detector), paths)
        return np.fromiter(bar(it, total=len(paths), desc="color IDs", unit="img",
                               disable=None if progress else True), dtype=np.int64, count=len(paths))


def cluster_index(index: EmbeddingIndex, n_clusters: int, out: str | os.PathLike, color: bool = True,
                  crop: str = "foreground", per_row: int = 8, max_items: int = 20_000, seed: int = 0,
                  workers: int = 4) -> dict:
    """Cluster ``index`` into ``n_clusters``; write clusters.csv, clusters.json and clusters*.png to ``out``.

    Ward clustering needs memory quadratic in the number of items: indexes larger than ``max_items`` are
    clustered on a seeded random sample of that size.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; pass a folder for clusters.csv, clusters.json and the montages")
    n = len(index)
    if n < 2:
        raise ConfigError(f"the index holds {n} embedding(s); clustering needs at least 2")
    pick = np.arange(n)
    if n > max_items:
        pick = np.sort(np.random.default_rng(seed).choice(n, size=max_items, replace=False))
    if not 2 <= n_clusters <= len(pick):
        raise ConfigError(f"--n-clusters {n_clusters} must be between 2 and the number of items ({len(pick)})")
    x = index.embeddings[pick]
    rows = [index.rows[i] for i in pick]
    clusters = colormod.cluster_embeddings(x, n_clusters)
    colors = index_color_ids([r.get("image", "") for r in rows], crop, workers) if color else np.full(len(pick), -1)
    sizes = np.bincount(clusters, minlength=n_clusters)
    summary: dict = {"n_items": int(n), "n_clustered": int(len(pick)), "n_clusters": n_clusters, "seed": seed,
                     "model": index.info.get("model", {}), "clusters": []}
    ok = colors >= 0
    if color and ok.any():
        ent = colormod.cluster_color_entropy(clusters[ok], colors[ok])
        summary.update(color_entropy_mean=ent.mean, color_entropy_weighted=ent.weighted_mean,
                       color_entropy_shuffled=colormod.shuffled_color_entropy(clusters[ok], colors[ok], seed=seed),
                       color_max_bits=ent.max_bits, color_crop=crop, unreadable=int((~ok).sum()))
    out.mkdir(parents=True, exist_ok=True)
    order = np.argsort(-sizes, kind="stable")
    montage_rows = []
    for c in order:
        members = np.flatnonzero(clusters == c)
        item = {"cluster": int(c), "size": int(len(members))}
        mc = colors[members][colors[members] >= 0]
        if len(mc):
            h = np.bincount(mc, minlength=len(colormod.PALETTE))
            p = h[h > 0] / h.sum()
            item["color_entropy"] = float(-(p * np.log2(p)).sum()) + 0.0
            item["top_color"] = colormod.COLOR_NAMES[int(h.argmax())]
        summary["clusters"].append(item)
        title = [f"cluster {c}", f"n={len(members)}"]
        if "color_entropy" in item:
            title += [f"H={item['color_entropy']:.2f} bits", f"color: {item['top_color']}"]
        montage_rows.append(("\n".join(title), [(rows[i].get("image"), colormod.COLOR_NAMES[colors[i]] if colors[i] >= 0 else "")
                                                for i in members[:per_row]]))
    with (out / "clusters.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "product_id", "cluster", "color"])
        for r, c, col in zip(rows, clusters, colors):
            w.writerow([r.get("image", ""), r.get("product_id", ""), int(c), colormod.COLOR_NAMES[col] if col >= 0 else ""])
    from skill_ssl.evaluate.plots import cluster_montage

    pages = []
    for p in range(0, len(montage_rows), ROWS_PER_PAGE):
        name = "clusters.png" if len(montage_rows) <= ROWS_PER_PAGE else f"clusters_{p // ROWS_PER_PAGE + 1:02d}.png"
        pages.append(cluster_montage(montage_rows[p:p + ROWS_PER_PAGE], out / name, per_row=per_row).name)
    summary["montages"] = pages
    (out / "clusters.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
