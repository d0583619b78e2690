"""Region geometry: where the task-local crops lie on a photo.

Two sources, in this order of preference:

* a **head box** from a detector (or given in the data): regions scale with the head, so a neck crop
  is about as wide as two heads whatever the photo's zoom;
* the product's **silhouette**: the bounding box of the foreground against the background, for
  flat-lay and hanger photos, furniture, or when no head was found.

Boxes are ``(x0, y0, x1, y1)`` tuples of floats in pixel coordinates (x right, y down). All helpers
here are plain scalar math on one photo: the batched crop happens later on the device.
"""

from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]


def clip_box(box: Box, size: tuple[int, int], min_side: float = 4.0) -> Box:
    """Clip ``box`` to an image of ``size=(height, width)``, keeping at least ``min_side`` pixels a side."""
    h, w = size
    x0, y0, x1, y1 = (float(v) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    x0, x1 = max(0.0, min(x0, w - 1.0)), max(0.0, min(x1, float(w)))
    y0, y1 = max(0.0, min(y0, h - 1.0)), max(0.0, min(y1, float(h)))
    side_w, side_h = min(min_side, float(w)), min(min_side, float(h))
    if x1 - x0 < side_w:
        c = min(max((x0 + x1) / 2, side_w / 2), w - side_w / 2)
        x0, x1 = c - side_w / 2, c + side_w / 2
    if y1 - y0 < side_h:
        c = min(max((y0 + y1) / 2, side_h / 2), h - side_h / 2)
        y0, y1 = c - side_h / 2, c + side_h / 2
    return (x0, y0, x1, y1)


def sub_box(box: Box, fx0: float, fy0: float, fx1: float, fy1: float) -> Box:
    """The part of ``box`` at relative coordinates, as fractions of its width and height.

    ``sub_box(garment, 0.0, 0.0, 1.0, 0.3)`` is the top 30 % of the garment box; fractions outside
    ``[0, 1]`` reach beyond it. This is how silhouette-based regions are written.
    """
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return (x0 + fx0 * w, y0 + fy0 * h, x0 + fx1 * w, y0 + fy1 * h)




# --- from a head box -------------------------------------------------------------------------------
# A standing adult is about 7.5 head heights tall and the shoulders about 3 head widths wide; the
# constants below follow those proportions (measured on the bundled sample and synthetic models).

def neck_from_head(head: Box) -> Box:
    """Neckline: just below the chin, two head widths wide, one head height tall."""
    x0, y0, x1, y1 = head
    hw, hh, cx = x1 - x0, y1 - y0, (x0 + x1) / 2
    return (cx - 1.0 * hw, y1 - 0.15 * hh, cx + 1.0 * hw, y1 + 0.9 * hh)


def sleeves_from_head(head: Box) -> tuple[Box, Box]:
    """Left and right sleeve (image left/right): beside the torso, from the shoulder down two heads."""
    x0, y0, x1, y1 = head
    hw, hh, cx = x1 - x0, y1 - y0, (x0 + x1) / 2
    top, bottom = y1 + 0.3 * hh, y1 + 2.6 * hh
    left = (cx - 2.6 * hw, top, cx - 0.7 * hw, bottom)
    right = (cx + 0.7 * hw, top, cx + 2.6 * hw, bottom)
    return left, right


def knee_from_head(head: Box) -> Box:
    """Knee band: about five to six head heights below the top of the head, four head widths wide."""
    x0, y0, x1, y1 = head
    hw, hh, cx = x1 - x0, y1 - y0, (x0 + x1) / 2
    return (cx - 2.0 * hw, y0 + 4.9 * hh, cx + 2.0 * hw, y0 + 6.2 * hh)


# --- from the silhouette ---------------------------------------------------------------------------

def collar_from_silhouette(fg: Box) -> Box:
    """Collar band / neckline: the top centre of the garment box."""
    return sub_box(fg, 0.28, 0.0, 0.72, 0.28)


def sleeves_from_silhouette(fg: Box) -> tuple[Box, Box]:
    """Sleeves of a flat-lay garment: its upper left and upper right."""
    return sub_box(fg, 0.0, 0.05, 0.38, 0.55), sub_box(fg, 0.62, 0.05, 1.0, 0.55)


def hem_band_from_silhouette(fg: Box, top: float = 0.62, bottom: float = 0.88) -> Box:
    """A horizontal band across the lower garment (where a dress's knee line falls)."""
    return sub_box(fg, 0.1, top, 0.9, bottom)


def foreground_box(image: np.ndarray, threshold: float = 30.0, min_fraction: float = 0.02) -> Box:
    """Bounding box of the foreground of an ``(H, W, 3)`` uint8 image.

    The background colour is the median of the border pixels; a pixel is foreground when its
    Euclidean RGB distance to it exceeds ``threshold``. Rows and columns count as foreground when
    more than ``min_fraction`` of their pixels are. Returns the whole image when nothing stands out
    (for example a photo filled edge to edge by the product).
    """
    if image.ndim != 3 or image.shape[2] < 3:
        raise ValueError(f"foreground_box expects an (H, W, 3) array, got shape {image.shape}")
    h, w = image.shape[:2]
    step = max(1, max(h, w) // 128)  # a 128 px proxy is plenty for a bounding box
    small = image[::step, ::step, :3].astype(np.int16)
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    bg = np.median(border, axis=0)
    dist = np.sqrt(((small - bg) ** 2).sum(axis=2))
    mask = dist > threshold
    rows = np.flatnonzero(mask.mean(axis=1) > min_fraction)
    cols = np.flatnonzero(mask.mean(axis=0) > min_fraction)
    if rows.size == 0 or cols.size == 0 or mask.mean() < 0.01:
        return (0.0, 0.0, float(w), float(h))
    y0, y1 = rows[0] * step, min(h, (rows[-1] + 1) * step)
    x0, x1 = cols[0] * step, min(w, (cols[-1] + 1) * step)
    return (float(x0), float(y0), float(x1), float(y1))


def upper_body_regions(head: Box | None, silhouette: Box) -> dict[str, Box]:
    """``neck``, ``sleeve_left`` and ``sleeve_right`` of a top: from the head when one was found, else
    from the garment's silhouette (collar band and upper corners)."""
    if head is not None:
        left, right = sleeves_from_head(head)
        return {"neck": neck_from_head(head), "sleeve_left": left, "sleeve_right": right}
    left, right = sleeves_from_silhouette(silhouette)
    return {"neck": collar_from_silhouette(silhouette), "sleeve_left": left, "sleeve_right": right}
