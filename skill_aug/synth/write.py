"""Writing a synthetic catalogue to disk (images + ``manifest.csv`` + ``synth.json``) and contact sheets."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from skill_aug.errors import ConfigError
from skill_aug.synth.catalogue import SynthCatalogue

FORMATS = {"jpg": ".jpg", "png": ".png"}
BOX_COLORS = {"head": (255, 40, 40), "neck": (40, 200, 255), "sleeve_left": (255, 200, 0),
              "sleeve_right": (255, 120, 0), "knee": (160, 80, 255), "top": (40, 200, 255),
              "base": (255, 200, 0), "side": (160, 80, 255)}


def _box_text(box) -> str:
    return " ".join(f"{v:.1f}" for v in box)


def _save(image: np.ndarray, path: Path, fmt: str) -> None:
    from PIL import Image

    im = Image.fromarray(image)
    if fmt == "jpg":
        im.save(path, quality=92, subsampling=0)
    else:
        im.save(path, compress_level=1)


def _render_chunk(job: tuple[SynthCatalogue, list[int], str, str]) -> list[list[dict[str, str]]]:
    """Render and save some products; their manifest rows (one list per product)."""
    catalogue, indices, out, fmt = job
    root = Path(out)
    ext = FORMATS[fmt]
    result = []
    for i in indices:
        product, photos = catalogue.render(i)
        pid, split = catalogue.product_id(i), catalogue.split(i)
        rows = []
        for k, photo in enumerate(photos):
            rel = f"images/{pid}_{k}{ext}"
            _save(photo.image, root / rel, fmt)
            row = {"image": rel, "product_id": pid, "split": split, **product.labels}
            row.update({f"box_{name}": _box_text(b) for name, b in photo.boxes.items()})
            rows.append(row)
        result.append(rows)
    return result


def _context():
    """Fork where the platform has it (Linux): fast, and workers inherit the parent's plugin registry;
    spawn elsewhere. Workers only run numpy and Pillow code."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def write_catalogue(catalogue: SynthCatalogue, out: str | os.PathLike, workers: int = 1, image_format: str = "jpg",
                    overwrite: bool = False, show_progress: bool | None = None) -> Path:
    """Render every product of ``catalogue`` into ``out/images/`` and write ``out/manifest.csv``.

    The manifest has the user-data schema read by :func:`skill_aug.io.read_manifest`: ``image``,
    ``product_id``, ``split``, one column per factor (``color`` included) and ``box_head`` /
    ``box_<region>`` as ``"x0 y0 x1 y1"`` where known (no head box on flat-lay photos). ``synth.json``
    records the settings and which factors are design and which are nuisance. The output does not
    depend on ``workers``. Returns the manifest's path.
    """
    from skill_aug.console import progress

    if image_format not in FORMATS:
        raise ConfigError(f"image format {image_format!r} is not one of {', '.join(FORMATS)}")
    if int(workers) < 1:
        raise ConfigError(f"workers {workers} must be at least 1")
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root}: exists and is not a folder; choose another --out")
    if (root / "manifest.csv").exists() or (root / "images").exists():
        if not overwrite:
            raise ConfigError(f"{root}: already holds a catalogue (manifest.csv or images/); "
                              "choose another --out or pass --overwrite")
        shutil.rmtree(root / "images", ignore_errors=True)
        (root / "manifest.csv").unlink(missing_ok=True)
    (root / "images").mkdir(parents=True, exist_ok=True)

    n = len(catalogue)
    chunk = max(1, min(64, n // (int(workers) * 8) or 1))
    jobs = [(catalogue, list(range(s, min(n, s + chunk))), str(root), image_format) for s in range(0, n, chunk)]
    per_product: list[list[dict[str, str]]] = []
    pool = ProcessPoolExecutor(int(workers), mp_context=_context()) if int(workers) > 1 else None
    bar = progress(total=n, desc=f"synth {catalogue.task}", unit="product",
                   disable=None if show_progress is None else not show_progress)
    try:
        results = pool.map(_render_chunk, jobs) if pool is not None else map(_render_chunk, jobs)
        for rows in results:  # in order: the manifest does not depend on the number of workers
            per_product.extend(rows)
            bar.update(len(rows))
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    columns = ["image", "product_id", "split"]
    for rows in per_product:
        for row in rows:
            columns.extend(c for c in row if c not in columns and not c.startswith("box_"))
    boxes: list[str] = []
    for rows in per_product:
        for row in rows:
            boxes.extend(c for c in row if c.startswith("box_") and c not in boxes)
    boxes = sorted(boxes, key=lambda c: (c != "box_head", boxes.index(c)))
    manifest = root / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns + boxes, restval="")
        writer.writeheader()
        for rows in per_product:
            writer.writerows(rows)
    meta: dict[str, Any] = {**catalogue.describe(), "format": image_format,
                            "images": sum(len(r) for r in per_product)}
    (root / "synth.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return manifest


def varied_products(catalogue: SynthCatalogue, rows: int = 6, look_at: int = 200) -> list[int]:
    """Indices of ``rows`` products that differ in their first design factor where possible (for previews)."""
    n = min(len(catalogue), look_at)
    factor = catalogue.design_factors[0]
    chosen, seen = [], set()
    for i in range(n):
        value = catalogue.product(i).design[factor]
        if value not in seen:
            seen.add(value)
            chosen.append(i)
        if len(chosen) == rows:
            return chosen
    return chosen + [i for i in range(n) if i not in chosen][:rows - len(chosen)]


def contact_sheet(catalogue: SynthCatalogue, indices: list[int] | None = None, max_photos: int = 5,
                  boxes: bool = True, label_width: int = 170):
    """A preview grid (PIL image): one row per product, its photos in columns, its factors on the left.

    ``indices`` defaults to six products of different kinds (see :func:`varied_products`). With
    ``boxes``, one more column repeats the first photo with its true head and region boxes drawn.
    """
    from PIL import Image, ImageDraw, ImageFont

    indices = varied_products(catalogue) if indices is None else list(indices)
    size, pad = catalogue.size, 4
    cols = max_photos + (1 if boxes else 0)
    width = label_width + cols * (size + pad) + pad
    height = len(indices) * (size + pad) + pad
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=max(10, min(13, size // 10)))
    except TypeError:  # Pillow without FreeType
        font = ImageFont.load_default()
    for r, i in enumerate(indices):
        product, photos = catalogue.render(i)
        y = pad + r * (size + pad)
        lines = [catalogue.product_id(i)] + [f"{k}: {v}" for k, v in product.design.items()]
        lines.append(f"color: {product.nuisance['color']}")
        if product.nuisance.get("accent_color", "none") != "none":
            lines.append(f"accent: {product.nuisance['accent_color']}")
        draw.multiline_text((pad, y + 2), "\n".join(lines), fill=(20, 20, 20), font=font, spacing=2)
        for c, photo in enumerate(photos[:max_photos]):
            sheet.paste(Image.fromarray(photo.image), (label_width + pad + c * (size + pad), y))
        if boxes:
            im = Image.fromarray(photos[0].image)
            d = ImageDraw.Draw(im)
            for name, b in photos[0].boxes.items():
                d.rectangle([b[0], b[1], b[2] - 1, b[3] - 1], outline=BOX_COLORS.get(name, (0, 255, 0)), width=1)
            sheet.paste(im, (label_width + pad + max_photos * (size + pad), y))
    return sheet
