"""Color invariance: an image's color ID, cluster color entropy, and the color probe.

Color ID (documented in docs/metrics.md):

1. Crop: ``crop="foreground"`` keeps the central 60 % (per side) of the foreground box (the product is
   in the middle of a product photo; the rim is mostly background); ``"person"`` keeps the body below a
   detected head (falling back to the foreground rule when no head is found); ``"none"`` keeps everything.
2. Shrink to at most 64 px, convert to CIE LUV (D65), and drop background pixels: those within LUV
   distance 12 of the median color of the photo's border (all pixels are kept if fewer than 5 % remain).
3. Each remaining pixel goes to its nearest :data:`PALETTE` entry (:func:`nearest_palette`); the color ID
   is the fullest bin of that histogram (ties: the lower index).

Nearest palette entry: a color with LUV chroma ``C = sqrt(u^2 + v^2) < 15`` is achromatic and goes to the
black / grey / white entry of nearest lightness ``L``; any other color goes to the chromatic entry that
minimises ``(dh / 30 deg)^2 + (dL / 20)^2`` (``dh``: hue-angle difference, ``h = atan2(v, u)``). Hue and
lightness, not raw LUV distance, decide, so muted real fabrics keep their hue instead of turning grey.

Color entropy: cluster the embeddings into ``L`` clusters (Ward agglomerative clustering on
L2-normalised embeddings), take each cluster's histogram of color IDs, its entropy in bits, and the
mean over clusters. A model that ignores color mixes colors in each cluster: higher is more color-blind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from skill_aug.errors import ConfigError

# Named colors in CIE LUV (D65): (L, u, v), from the sRGB value in the comment.
PALETTE: dict[str, tuple[float, float, float]] = {
    "black": (0.0, 0.0, 0.0),            # (0, 0, 0)
    "grey": (46.4, 0.0, 0.0),            # (110, 110, 110)
    "white": (100.0, 0.0, 0.0),          # (255, 255, 255)
    "red": (43.2, 126.8, 27.3),          # (200, 30, 30)
    "burgundy": (25.7, 64.9, 7.0),       # (120, 20, 40)
    "pink": (72.0, 55.8, -8.8),          # (240, 150, 180)
    "orange": (65.4, 90.9, 58.4),        # (240, 130, 30)
    "yellow": (86.9, 20.5, 90.5),        # (240, 220, 40)
    "beige": (79.6, 14.4, 27.9),         # (215, 195, 160)
    "brown": (35.0, 37.8, 25.6),         # (120, 70, 35)
    "olive": (45.0, 3.2, 44.4),          # (110, 110, 30)
    "green": (51.3, -41.5, 46.8),        # (40, 140, 60)
    "blue": (41.1, -17.5, -91.9),        # (40, 90, 200)
    "navy": (15.4, -4.5, -29.6),         # (25, 35, 80)
    "purple": (35.0, 23.5, -62.6),       # (120, 50, 150)
}
COLOR_NAMES: list[str] = list(PALETTE)
PALETTE_LUV = np.array(list(PALETTE.values()), dtype=np.float64)
PALETTE_RGB = np.array([(0, 0, 0), (110, 110, 110), (255, 255, 255), (200, 30, 30), (120, 20, 40), (240, 150, 180),
                        (240, 130, 30), (240, 220, 40), (215, 195, 160), (120, 70, 35), (110, 110, 30), (40, 140, 60),
                        (40, 90, 200), (25, 35, 80), (120, 50, 150)], dtype=np.uint8)  # swatches for plots

CROPS = ("foreground", "person", "none")
WORK_SIDE = 64
CENTER = 0.6                 # fraction of the foreground box kept per side
BACKGROUND_DISTANCE = 12.0   # LUV distance from the border median above which a pixel is foreground
MIN_FOREGROUND = 0.05
ACHROMATIC_CHROMA = 15.0
HUE_SCALE, LIGHTNESS_SCALE = 30.0, 20.0

_PAL_C = np.hypot(PALETTE_LUV[:, 1], PALETTE_LUV[:, 2])
_PAL_H = np.degrees(np.arctan2(PALETTE_LUV[:, 2], PALETTE_LUV[:, 1]))
_ACHROMATIC = _PAL_C < 1.0


def nearest_palette(luv) -> np.ndarray:
    """Index of the nearest :data:`PALETTE` entry of each LUV color (``(..., 3)`` -> ``(...)``; rule above)."""
    luv = np.asarray(luv, dtype=np.float64)
    lum, chroma = luv[..., 0], np.hypot(luv[..., 1], luv[..., 2])
    hue = np.degrees(np.arctan2(luv[..., 2], luv[..., 1]))
    dl = ((lum[..., None] - PALETTE_LUV[:, 0]) / LIGHTNESS_SCALE) ** 2
    dh = (np.abs((hue[..., None] - _PAL_H + 180.0) % 360.0 - 180.0) / HUE_SCALE) ** 2
    chromatic = np.where(_ACHROMATIC, np.inf, dh + dl).argmin(axis=-1)
    achromatic = np.where(_ACHROMATIC, dl, np.inf).argmin(axis=-1)
    return np.where(chroma < ACHROMATIC_CHROMA, achromatic, chromatic)


def _person_box(image: np.ndarray, detector) -> tuple[float, float, float, float] | None:
    head = detector.detect(image)
    if head is None:
        return None
    x0, y0, x1, y1 = head
    hw, hh, cx = x1 - x0, y1 - y0, (x0 + x1) / 2
    return (cx - 2.6 * hw, y1, cx + 2.6 * hw, y0 + 7.5 * hh)  # the body below the chin, ~7.5 heads tall


def _crop(image: np.ndarray, box) -> np.ndarray:
    from skill_aug.regions import clip_box

    h, w = image.shape[:2]
    x0, y0, x1, y1 = clip_box(box, (h, w), min_side=1.0)
    return image[int(y0):max(int(y0) + 1, int(round(y1))), int(x0):max(int(x0) + 1, int(round(x1)))]


def _shrink(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


def color_id(image: np.ndarray, crop: str = "foreground", detector=None) -> int:
    """The :data:`PALETTE` index of the dominant product color of an ``(H, W, 3)`` uint8 image (rule above).

    ``detector`` (a :class:`skill_aug.detect.HeadDetector`) is used by ``crop="person"``; the default
    detector is loaded when none is given.
    """
    from skimage.color import rgb2luv

    from skill_aug.regions import foreground_box

    if crop not in CROPS:
        raise ConfigError(f"unknown color crop {crop!r}; use one of {', '.join(CROPS)}")
    small = _shrink(np.ascontiguousarray(image[..., :3]))
    luv = rgb2luv(small)
    border = np.concatenate([luv[0], luv[-1], luv[:, 0], luv[:, -1]])
    background = np.median(border, axis=0)
    box = None
    if crop == "person":
        if detector is None:
            from skill_aug.detect import get_detector

            detector = get_detector()
        body = _person_box(image, detector)
        if body is not None:
            s = small.shape[1] / image.shape[1]
            box = tuple(v * s for v in body)
    if box is None and crop != "none":
        x0, y0, x1, y1 = foreground_box(small)
        mx, my = (1 - CENTER) / 2 * (x1 - x0), (1 - CENTER) / 2 * (y1 - y0)
        box = (x0 + mx, y0 + my, x1 - mx, y1 - my)
    pixels = (_crop(luv, box) if box is not None else luv).reshape(-1, 3)
    fg = np.sqrt(((pixels - background) ** 2).sum(axis=1)) > BACKGROUND_DISTANCE
    if fg.mean() >= MIN_FOREGROUND:
        pixels = pixels[fg]
    return int(np.bincount(nearest_palette(pixels), minlength=len(PALETTE)).argmax())


def color_ids(images: Iterable[np.ndarray], crop: str = "foreground", detector=None) -> np.ndarray:
    """:func:`color_id` of each image (a loop: photos differ in size)."""
    if crop == "person" and detector is None:
        from skill_aug.detect import get_detector

        detector = get_detector()
    return np.array([color_id(im, crop, detector) for im in images], dtype=np.int64)


def cluster_embeddings(emb: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cluster index of each embedding: Ward agglomerative clustering of the L2-normalised embeddings."""
    from sklearn.cluster import AgglomerativeClustering

    emb = np.asarray(emb, dtype=np.float64)
    if not 2 <= n_clusters <= len(emb):
        raise ConfigError(f"--n-clusters {n_clusters} must be between 2 and the number of images ({len(emb)})")
    x = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    return AgglomerativeClustering(n_clusters=n_clusters, linkage="ward").fit_predict(x).astype(np.int64)


@dataclass
class ColorEntropy:
    """Mean entropy (bits) of the per-cluster color-ID histograms, and the per-cluster values."""

    mean: float
    weighted_mean: float           # each cluster weighted by its size
    per_cluster: list[float]
    sizes: list[int]
    max_bits: float                # log2 of the palette size: the entropy of uniformly mixed colors


def cluster_color_entropy(clusters, colors, n_colors: int = len(PALETTE)) -> ColorEntropy:
    """Entropy of the color-ID histogram of each cluster, averaged over clusters (all at once with bincount)."""
    clusters = np.asarray(clusters, dtype=np.int64)
    colors = np.asarray(colors, dtype=np.int64)
    if clusters.shape != colors.shape or clusters.size == 0:
        raise ValueError("clusters and colors must be non-empty and of the same length")
    n_clusters = int(clusters.max()) + 1
    hist = np.bincount(clusters * n_colors + colors, minlength=n_clusters * n_colors).reshape(n_clusters, n_colors)
    sizes = hist.sum(axis=1)
    keep = sizes > 0
    p = hist[keep] / sizes[keep, None]
    ent = -(p * np.log2(np.where(p > 0, p, 1.0))).sum(axis=1) + 0.0
    return ColorEntropy(mean=float(ent.mean()), weighted_mean=float((ent * sizes[keep]).sum() / sizes.sum()),
                        per_cluster=[float(e) for e in ent], sizes=[int(s) for s in sizes[keep]],
                        max_bits=float(np.log2(n_colors)))


def shuffled_color_entropy(clusters, colors, n_colors: int = len(PALETTE), repeats: int = 20, seed: int = 0) -> float:
    """Mean cluster color entropy with the color IDs shuffled over the same clusters, averaged over ``repeats``.

    The value a perfectly color-blind model would get with these cluster sizes: the reference that
    :func:`cluster_color_entropy` is compared with (small clusters cannot reach ``log2(n_colors)``).
    """
    rng = np.random.default_rng(seed)
    colors = np.asarray(colors, dtype=np.int64)
    return float(np.mean([cluster_color_entropy(clusters, rng.permutation(colors), n_colors).mean
                          for _ in range(repeats)]))
