"""Render what the augmentation space does to a few photos, as one labelled PNG grid.

Layout: one row block per input photo, each of up to three rows of square cells (``cell`` px plus a
label strip above each):

1. the source photo with the head box and the task's region boxes drawn and labelled, then the
   ``n_global`` global views G_h;
2. the ``n_low`` low-resolution views G_l;
3. the local region views G∘A_i (only when the task has regions).

Views are shown before normalisation (what the network sees, denormalised). Grid width is
``max(1 + n_global, n_low, n_regions)`` cells; see :func:`grid_size`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from skill_aug.errors import ConfigError
from skill_aug.io import read_image
from skill_aug.product import Product
from skill_aug.space import AugmentationSpace, SpaceConfig

CELL = 192
PAD = 8
LABEL = 20
SAMPLE_NAME = "astronaut (sample)"
_HEAD_COLOR = (255, 40, 40)
_REGION_COLORS = [(40, 200, 255), (255, 200, 0), (80, 255, 80), (255, 80, 255), (255, 140, 0), (160, 120, 255)]


@dataclass
class PreviewResult:
    """Where the grid was written, its size and the region source of each input photo."""

    path: Path
    size: tuple[int, int]  # (width, height)
    names: list[str]
    sources: list[str]

    def summary(self) -> str:
        if len(set(self.sources)) == 1:
            how = f"regions from {self.sources[0]}"
        else:
            how = "regions from " + ", ".join(f"{n}: {s}" for n, s in zip(self.names, self.sources))
        return f"wrote {self.path} ({self.size[0]}x{self.size[1]} px, {len(self.names)} image(s)); {how}"


def sample_image() -> np.ndarray:
    """The bundled sample photo of a person (``skimage.data.astronaut()``, 512 x 512 RGB)."""
    from skimage.data import astronaut

    return np.ascontiguousarray(astronaut()[:, :, :3])


def grid_size(n_images: int, n_global: int, n_low: int, n_regions: int, cell: int = CELL) -> tuple[int, int]:
    """``(width, height)`` in pixels of a preview grid."""
    cols = max(1 + n_global, n_low, n_regions)
    rows_per_image = 1 + (n_low > 0) + (n_regions > 0)
    width = PAD + cols * (cell + PAD)
    height = PAD + n_images * rows_per_image * (cell + LABEL + PAD)
    return width, height


def _font(size: int = 14) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def _to_pil(view: torch.Tensor) -> Image.Image:
    """A ``(3, H, W)`` float view in ``[0, 1]`` as a PIL image."""
    arr = (view.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(np.ascontiguousarray(arr))


def _fit(img: Image.Image, cell: int) -> tuple[Image.Image, float, tuple[int, int]]:
    """``img`` scaled to fit a ``cell`` square, its scale and its offset inside the cell."""
    scale = cell / max(img.size)
    w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
    resample = Image.Resampling.BILINEAR if scale < 1 else Image.Resampling.NEAREST
    return img.resize((w, h), resample), scale, ((cell - w) // 2, (cell - h) // 2)


def _source_cell(product: Product, cell: int, font) -> Image.Image:
    photo = _to_pil(product.photos[0].float() / 255)
    small, scale, (ox, oy) = _fit(photo, cell)
    canvas = Image.new("RGB", (cell, cell), (32, 32, 32))
    canvas.paste(small, (ox, oy))
    draw = ImageDraw.Draw(canvas)

    def rect(box, color, label):
        x0, y0, x1, y1 = (ox + box[0] * scale, oy + box[1] * scale, ox + box[2] * scale, oy + box[3] * scale)
        draw.rectangle((x0, y0, x1, y1), outline=color, width=2)
        draw.text((x0 + 3, y0 + 2), label, fill=color, font=font, stroke_width=1, stroke_fill=(0, 0, 0))

    head = product.heads[0] if product.heads else None
    if head is not None:
        rect(head, _HEAD_COLOR, "head")
    for k, (name, box) in enumerate((product.regions or [{}])[0].items()):
        rect(box, _REGION_COLORS[k % len(_REGION_COLORS)], name)
    return canvas


def render_preview(images: Sequence[str | Path] | None, task: str = "women_dress", out: str | Path = "preview.png",
                   seed: int = 3, n_low: int = 8, detector: str = "lbp", use_head: bool = True,
                   cell: int = CELL, config: SpaceConfig | None = None) -> PreviewResult:
    """Augment each image once and write the labelled grid to ``out`` (PNG).

    With no images the bundled sample photo is used. Raises :class:`~skill_aug.errors.UnknownTaskError`
    for an unknown task, :class:`~skill_aug.errors.ImageError` for an unreadable image and
    :class:`~skill_aug.errors.ConfigError` for an unwritable ``out``.
    """
    cfg = config or SpaceConfig(n_low=n_low, detector=detector, use_head=use_head)
    space = AugmentationSpace(task, cfg, device="cpu", seed=seed)
    out = Path(out)
    if out.is_dir():
        raise ConfigError(f"{out}: is a directory; pass a file name for the preview, e.g. --out preview.png")
    if images:
        names = [Path(p).name for p in images]
        arrays = [read_image(p) for p in images]
        paths = [str(Path(p).resolve()) for p in images]
    else:
        names, arrays, paths = [SAMPLE_NAME], [sample_image()], [None]
    products = [space.prepare(Product(photos=[torch.from_numpy(a).permute(2, 0, 1)], product_id=n,
                                      paths=[p] if p else []))
                for a, n, p in zip(arrays, names, paths)]
    views = space(products, normalize=False)

    regions = list(views.local)
    width, height = grid_size(len(products), cfg.n_global, cfg.n_low, len(regions), cell)
    grid = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(grid)
    font, small_font = _font(14), _font(12)
    y = PAD

    def put(img: Image.Image, col: int, label: str) -> None:
        x = PAD + col * (cell + PAD)
        draw.text((x, y + 2), label, fill=(0, 0, 0), font=font)
        if img.size != (cell, cell):
            img, _, off = _fit(img, cell)
            tile = Image.new("RGB", (cell, cell), (32, 32, 32))
            tile.paste(img, off)
            img = tile
        grid.paste(img, (x, y + LABEL))

    for i, product in enumerate(products):
        src = (product.region_source or ["none"])[0]
        put(_source_cell(product, cell, small_font), 0, f"{names[i][:22]} [{src}]")
        for k, v in enumerate(views.global_high):
            put(_to_pil(v[i]), 1 + k, f"G_h {k + 1} ({cfg.global_size}px)")
        y += cell + LABEL + PAD
        if cfg.n_low:
            for k, v in enumerate(views.global_low):
                put(_to_pil(v[i]), k, f"G_l {k + 1} ({cfg.low_size}px)")
            y += cell + LABEL + PAD
        if regions:
            for k, name in enumerate(regions):
                put(_to_pil(views.local[name][i]), k, f"A_i {name}")
            y += cell + LABEL + PAD
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        grid.save(out, format="PNG")
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the preview ({' '.join(str(exc).split())}); "
                         "choose a writable path with --out") from None
    sources = [(p.region_source or ["none"])[0] for p in products]
    return PreviewResult(out, (width, height), names, sources)
