"""Pictures for people: neighbour and cluster montages (Pillow), entropy bars and embedding maps (matplotlib)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from skill_aug.errors import ImageError

BACKGROUND = (255, 255, 255)
CAPTION_H = 16


def _font(size: int = 11):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def tile(image: str | os.PathLike | np.ndarray | None, side: int) -> Image.Image:
    """A ``side`` x ``side`` tile: the image fitted inside on white; a grey tile with '?' when it cannot be read."""
    from skill_aug.io import read_image

    if image is not None and not isinstance(image, np.ndarray):
        try:
            image = read_image(image, max_side=max(side * 2, 64))
        except ImageError:
            image = None
    out = Image.new("RGB", (side, side), BACKGROUND if image is not None else (200, 200, 200))
    if image is None:
        ImageDraw.Draw(out).text((side // 2 - 3, side // 2 - 6), "?", fill=(90, 90, 90), font=_font(12))
        return out
    im = Image.fromarray(np.ascontiguousarray(image[..., :3]))
    im.thumbnail((side, side), Image.Resampling.BILINEAR)
    out.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
    return out


def _captioned(im: Image.Image, text: str, color=(20, 20, 20)) -> Image.Image:
    out = Image.new("RGB", (im.width, im.height + CAPTION_H), BACKGROUND)
    out.paste(im, (0, 0))
    ImageDraw.Draw(out).text((2, im.height + 2), text[: max(4, im.width // 6)], fill=color, font=_font())
    return out


def _save(img: Image.Image, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG", optimize=True)
    return path


def neighbour_montage(queries: Sequence[tuple], path: str | os.PathLike, side: int = 128) -> Path:
    """One row per query: the query (red caption), then its neighbours captioned with ``d=<distance>``.

    ``queries`` holds ``(query_image, query_caption, [(image, distance, caption), ...])``; images are
    arrays or paths.
    """
    rows = []
    for q_img, q_cap, neigh in queries:
        cells = [_captioned(tile(q_img, side), f"query {q_cap}".strip(), (200, 0, 0))]
        cells += [_captioned(tile(img, side), f"d={d:.3f} {cap}".strip()) for img, d, cap in neigh]
        rows.append(cells)
    return _grid(rows, path, gap=6, row_gap=10)


def cluster_montage(clusters: Sequence[tuple[str, Sequence]], path: str | os.PathLike, side: int = 96,
                    per_row: int = 8) -> Path:
    """One row per cluster: a title cell, then up to ``per_row`` of its images.

    Each image is an array or a path, or an ``(image, caption)`` pair (e.g. its color name).
    """
    rows = []
    title_w = 110
    for title, images in clusters:
        head = Image.new("RGB", (title_w, side + CAPTION_H), BACKGROUND)
        draw = ImageDraw.Draw(head)
        for i, line in enumerate(str(title).split("\n")[:5]):
            draw.text((4, 6 + 14 * i), line[:18], fill=(20, 20, 20), font=_font())
        cells = [im if isinstance(im, tuple) else (im, "") for im in list(images)[:per_row]]
        rows.append([head] + [_captioned(tile(im, side), cap) for im, cap in cells])
    return _grid(rows, path, gap=4, row_gap=6)


def _grid(rows: list[list[Image.Image]], path, gap: int, row_gap: int) -> Path:
    if not rows:
        rows = [[Image.new("RGB", (64, 64), BACKGROUND)]]
    width = max(sum(c.width for c in r) + gap * (len(r) + 1) for r in rows)
    height = sum(max(c.height for c in r) for r in rows) + row_gap * (len(rows) + 1)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    y = row_gap
    for r in rows:
        x = gap
        for c in r:
            canvas.paste(c, (x, y))
            x += c.width + gap
        y += max(c.height for c in r) + row_gap
    return _save(canvas, path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def entropy_bars(names: Sequence[str], values: Sequence[float], path: str | os.PathLike,
                 chance: Sequence[float] | None = None, n_clusters: int | None = None) -> Path:
    """Bar chart of the mean cluster color entropy per model (higher = more color-blind).

    ``chance``: per model, the entropy with color IDs shuffled over its clusters (a fully color-blind
    model), drawn as a black tick on each bar.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(names) + 2), 3.6), dpi=110)
    xs = np.arange(len(names))
    bars = ax.bar(xs, values, color="#4C72B0", label="color entropy")
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=2, fontsize=8)
    top = max([*values, *(chance or [])], default=1.0)
    if chance is not None:
        ax.hlines(chance, xs - 0.4, xs + 0.4, colors="black", linewidths=2, label="shuffled colors (fully color-blind)")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xticks(xs, names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("mean color entropy (bits)")
    ax.set_title(f"Color entropy of {n_clusters} clusters (higher = more color-blind)" if n_clusters
                 else "Color entropy per model (higher = more color-blind)", fontsize=9)
    ax.set_ylim(0, top * 1.2 + 1e-6)
    return _save_figure(fig, path)


def _save_figure(fig, path) -> Path:
    """Lay out, write as PNG (creating the folder) and close a matplotlib figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def tsne_2d(emb: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 2-D t-SNE map of L2-normalised embeddings (cosine geometry); perplexity fits small sets."""
    from sklearn.manifold import TSNE

    x = np.asarray(emb, dtype=np.float32)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    perplexity = float(min(30.0, max(2.0, (len(x) - 1) / 3)))
    method = "exact" if len(x) <= 500 else "barnes_hut"  # exact is faster (and exact) for small sets
    return TSNE(n_components=2, perplexity=perplexity, init="pca", method=method, max_iter=500,
                random_state=seed).fit_transform(x)


def embedding_map(xy: np.ndarray, labels: Sequence[str] | None, color_ids: np.ndarray | None, path: str | os.PathLike,
                  title: str = "", color_names: Sequence[str] = (), color_rgb: np.ndarray | None = None) -> Path:
    """Scatter of a 2-D map, one panel coloured by label and one by color ID (drawn in the palette's colors)."""
    plt = _pyplot()
    panels = [p for p in (("label", labels), ("color ID", color_ids)) if p[1] is not None]
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(5.2 * max(1, len(panels)), 4.6), dpi=110, squeeze=False)
    for ax, (what, values) in zip(axes[0], panels):
        if what == "label":
            names, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
            cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")
            colors = [cmap(i % cmap.N) for i in range(len(names))]
        else:
            codes = np.asarray(values)
            names = np.array(color_names) if len(color_names) else np.unique(codes).astype(str)
            rgb = color_rgb if color_rgb is not None else np.full((len(names), 3), 128)
            colors = [tuple(c / 255.0) for c in rgb]
        for i, name in enumerate(names):
            sel = codes == i
            if sel.any():
                ax.scatter(xy[sel, 0], xy[sel, 1], s=12, color=colors[i], label=str(name),
                           edgecolors="#555555", linewidths=0.3)
        ax.set_title(f"{title} - by {what}".strip(" -"), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=6, markerscale=0.8, loc="best", frameon=False, ncol=1 + len(names) // 14)
    return _save_figure(fig, path)
