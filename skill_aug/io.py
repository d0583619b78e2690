"""Robust image decoding and data manifests.

``read_image`` turns whatever a shop's catalogue holds (JPEG with EXIF rotation, CMYK, 16-bit PNG,
palette or transparent images, huge scans, tiny thumbnails) into an ``(H, W, 3)`` uint8 RGB array, and
raises a one-line :class:`~skill_aug.errors.ImageError` naming the file for anything it cannot read.

``read_manifest`` and ``scan_folder`` turn a CSV manifest or a folder of images into
:class:`Record` rows: one image each, grouped into products by ``product_id``.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from skill_aug.errors import ImageError, ManifestError
from skill_aug.regions import Box

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
DEFAULT_MAX_SIDE = 1024  # larger photos are downscaled on decode: no crop needs more than 224 px
MAX_PIXELS = 20_000 * 20_000  # refuse anything bigger than 400 megapixels (decompression bombs)


def read_image(path: str | os.PathLike, max_side: int | None = DEFAULT_MAX_SIDE) -> np.ndarray:
    """Decode ``path`` to an ``(H, W, 3)`` uint8 RGB array.

    EXIF orientation is applied; CMYK, palette, grey, 16-bit and float images are converted to 8-bit
    RGB; transparency is composited onto white (the usual product-photo background). With
    ``max_side``, the longer side is downscaled to at most that many pixels (JPEGs are decoded at
    reduced size directly, which makes huge photos cheap). Tiny images are returned as they are (the
    augmentation space upsamples them).

    Raises a one-line :class:`~skill_aug.errors.ImageError` naming the file for a missing path, a
    directory, an empty or unreadable file, a file that is not an image, and a truncated image (a
    partly decoded photo would train on grey padding, so it is refused rather than patched). Two
    recoveries are silent on purpose: a JPEG whose scan data is damaged but complete decodes with
    visible artefacts (libjpeg's own recovery), and unreadable EXIF data is ignored (no rotation).
    """
    p = Path(path)
    if p.is_dir():
        raise ImageError(f"{p}: is a directory, not an image; pass the image files inside it or a manifest")
    if not p.exists():
        raise ImageError(f"{p}: no such file; check the path")
    if p.stat().st_size == 0:
        raise ImageError(f"{p}: file is empty (0 bytes); re-export or remove it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(p) as im:
                if max_side and im.format == "JPEG":
                    im.draft("RGB", (max_side, max_side))
                im.load()
                arr = _to_rgb(_upright(im), max_side)
    except ImageError:
        raise
    except PermissionError:
        raise ImageError(f"{p}: permission denied; make the file readable") from None
    except UnidentifiedImageError:
        raise ImageError(f"{p}: not an image file Pillow can read; convert it to JPEG or PNG") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{p}: image is larger than {MAX_PIXELS // 1_000_000} megapixels; downscale it first") from None
    except (OSError, SyntaxError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageError(f"{p}: corrupt or truncated image ({reason}); re-export or remove it") from None
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(f"{p}: image has no pixels")
    return arr


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a photo whose EXIF block cannot be parsed is kept as stored."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 - malformed EXIF raises all sorts (struct.error, KeyError, ...)
        return im


def _to_rgb(im: Image.Image, max_side: int | None) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        hi = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        a = np.clip(a / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)
        im = Image.fromarray(a, "L")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    if im.mode != "RGB":
        im = im.convert("RGB")
    if max_side and max(im.size) > max_side:
        im = im.copy()
        im.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return np.asarray(im, dtype=np.uint8).copy()


def is_image_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


# --- manifests -------------------------------------------------------------------------------------

@dataclass
class Record:
    """One image of a data set."""

    image: Path
    product_id: str
    split: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, Box] = field(default_factory=dict)  # "head" and region boxes given in the data
    row: int = 0  # 1-based data row in the manifest (0 for folders)


RESERVED = {"image", "product_id", "split", "width", "height"}


def _parse_box(text: str, where: str) -> Box:
    parts = text.replace(",", " ").replace(";", " ").split()
    try:
        vals = tuple(float(v) for v in parts)
    except ValueError:
        vals = ()
    if len(vals) != 4 or not all(np.isfinite(vals)):
        raise ManifestError(f"{where}: box {text!r} must be four finite numbers 'x0 y0 x1 y1'")
    x0, y0, x1, y1 = vals
    if x1 <= x0 or y1 <= y0:
        raise ManifestError(f"{where}: box {text!r} is empty or inverted; boxes are corners 'x0 y0 x1 y1' "
                            "with x0 < x1 and y0 < y1 (convert 'x y width height' boxes to corners)")
    return vals  # type: ignore[return-value]


def read_manifest(path: str | os.PathLike, skip_missing: bool = False) -> tuple[list[Record], list[str]]:
    """Read a CSV manifest.

    Columns: ``image`` (required; a path relative to the manifest's folder), ``product_id`` (optional,
    groups several photos of one product; defaults to the image path), ``split`` (optional), ``box_<name>``
    (optional boxes ``"x0 y0 x1 y1"``, e.g. ``box_head``, ``box_neck``), and any other column is a label.
    Returns the records and the list of problems skipped (missing images when ``skip_missing``).
    """
    mpath = Path(path)
    if mpath.is_dir():
        raise ManifestError(f"{mpath}: is a directory; pass the manifest CSV inside it, or use the folder as --data")
    if not mpath.exists():
        raise ManifestError(f"{mpath}: no such manifest; check the path")
    root = mpath.parent.resolve()
    try:
        with mpath.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{mpath}: not a readable CSV file ({exc}); save it as UTF-8 CSV") from None
    if "image" not in columns:
        raise ManifestError(f"{mpath}: has no 'image' column (columns: {', '.join(columns) or 'none'}); "
                            "add one with image paths relative to the manifest")
    labels = [c for c in columns if c not in RESERVED and not c.startswith("box_")]
    boxes = [c for c in columns if c.startswith("box_")]
    records, missing, skipped = [], [], []
    for i, row in enumerate(rows, start=1):
        rel = (row.get("image") or "").strip()
        where = f"{mpath}: row {i}"
        if not rel:
            raise ManifestError(f"{where}: empty 'image' value; every row needs an image path")
        norm = os.path.normpath(rel.replace("\\", "/"))
        # Checked on the text, not on resolved paths: a symlinked image folder inside the data root is fine.
        if os.path.isabs(norm) or norm == ".." or norm.startswith("../") or Path(rel).drive:
            raise ManifestError(f"{where}: image path {rel!r} leaves the data folder {root}; "
                                "use paths relative to the manifest, inside its folder")
        img = root / norm
        if not img.exists():
            missing.append(f"{rel!r} (row {i})")
            continue
        rec = Record(
            image=img,
            product_id=(row.get("product_id") or "").strip() or rel,
            split=(row.get("split") or "").strip() or None,
            labels={c: (row.get(c) or "").strip() for c in labels},
            boxes={c[4:]: _parse_box(row[c], where) for c in boxes if (row.get(c) or "").strip()},
            row=i,
        )
        records.append(rec)
    if missing:
        if not skip_missing:
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            raise ManifestError(f"{mpath}: {len(missing)} listed image(s) do not exist: {', '.join(missing[:3])}{more}; "
                                "fix the paths or pass --skip-missing")
        skipped = [f"missing: {m}" for m in missing]
    if not records:
        raise ManifestError(f"{mpath}: lists no usable images")
    return records, skipped


def scan_folder(path: str | os.PathLike) -> list[Record]:
    """Every image below ``path``; an image's parent folder (if not the root) becomes its ``label``."""
    root = Path(path)
    if not root.is_dir():
        raise ManifestError(f"{root}: not a folder; pass a folder of images or a manifest CSV")
    files = sorted(p for p in root.rglob("*") if p.is_file() and is_image_path(p))
    if not files:
        raise ManifestError(f"{root}: holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
    out = []
    for f in files:
        rel = f.relative_to(root)
        labels = {"label": rel.parts[-2]} if len(rel.parts) > 1 else {}
        out.append(Record(image=f.resolve(), product_id=str(rel), labels=labels))
    return out


def load_records(data: str | os.PathLike, skip_missing: bool = False) -> tuple[list[Record], list[str]]:
    """Records from a manifest CSV, or from a folder (its ``manifest.csv`` if it has one)."""
    p = Path(data)
    if p.is_dir():
        if (p / "manifest.csv").exists():
            return read_manifest(p / "manifest.csv", skip_missing)
        return scan_folder(p), []
    return read_manifest(p, skip_missing)


def group_products(records: list[Record]) -> "OrderedDict[str, list[Record]]":
    """Records grouped by ``product_id``, in first-seen order."""
    groups: OrderedDict[str, list[Record]] = OrderedDict()
    for r in records:
        groups.setdefault(r.product_id, []).append(r)
    return groups
