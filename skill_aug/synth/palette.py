"""Named colours of the synthetic catalogue (the colour factors), skin and hair tones, studio backdrops."""

from __future__ import annotations

import numpy as np

#: product colours: the ``color`` (base) and ``accent_color`` factors take these names
PALETTE: dict[str, tuple[int, int, int]] = {
    "black": (32, 32, 36),
    "white": (238, 238, 232),
    "grey": (128, 128, 132),
    "navy": (30, 42, 96),
    "blue": (40, 92, 196),
    "sky_blue": (120, 180, 232),
    "teal": (0, 128, 128),
    "green": (36, 140, 64),
    "olive": (112, 120, 40),
    "yellow": (242, 206, 48),
    "mustard": (200, 150, 30),
    "orange": (236, 118, 30),
    "red": (204, 32, 40),
    "maroon": (120, 22, 42),
    "pink": (240, 140, 172),
    "purple": (112, 52, 152),
    "beige": (216, 196, 160),
    "brown": (120, 74, 40),
}
COLOR_NAMES: tuple[str, ...] = tuple(PALETTE)

#: colours for furniture frames and legs (wood, metal)
FRAME_COLORS: tuple[str, ...] = ("black", "brown", "beige", "grey", "white", "maroon")

SKIN_TONES = np.array([(245, 214, 190), (232, 190, 160), (210, 160, 120), (176, 124, 86), (134, 90, 60),
                       (98, 64, 44)], dtype=np.float32)
HAIR_COLORS = np.array([(30, 24, 20), (70, 45, 28), (120, 80, 45), (200, 170, 110), (150, 60, 30),
                        (90, 90, 90)], dtype=np.float32)
#: trousers and shoes worn under shirts / with dresses (never a product colour of their own)
BOTTOMS = np.array([(40, 52, 82), (30, 30, 34), (190, 172, 130), (92, 96, 104), (70, 94, 140)], dtype=np.float32)
#: photo-studio backdrops and table tops
BACKDROPS = np.array([(246, 246, 244), (232, 232, 230), (240, 234, 222), (222, 230, 238), (236, 226, 228),
                      (214, 214, 210), (200, 206, 196), (90, 92, 98), (248, 244, 236), (226, 220, 206)],
                     dtype=np.float32)
#: walls and floors for furniture
WALLS = np.array([(236, 232, 224), (218, 224, 228), (228, 216, 200), (200, 206, 196), (244, 244, 242),
                  (190, 186, 180)], dtype=np.float32)
FLOORS = np.array([(168, 124, 84), (196, 160, 118), (120, 84, 56), (176, 176, 172), (140, 140, 144),
                   (214, 200, 176)], dtype=np.float32)


def rgb(name: str) -> np.ndarray:
    return np.asarray(PALETTE[name], dtype=np.float32)


def distance(a: str, b: str) -> float:
    """Perceptual-ish distance between two named colours (redmean-weighted RGB)."""
    ca, cb = rgb(a), rgb(b)
    r = (ca[0] + cb[0]) / 2
    d = ca - cb
    return float(np.sqrt((2 + r / 256) * d[0] ** 2 + 4 * d[1] ** 2 + (2 + (255 - r) / 256) * d[2] ** 2))


def pick_accent(rng: np.random.Generator, base: str, min_distance: float = 180.0,
                names: tuple[str, ...] = COLOR_NAMES) -> str:
    """A palette colour that stands out from ``base``."""
    options = [n for n in names if n != base and distance(n, base) >= min_distance]
    return str(rng.choice(options or [n for n in names if n != base]))


def pick_contrasting(rng: np.random.Generator, table: np.ndarray, against: np.ndarray,
                     min_distance: float = 60.0) -> np.ndarray:
    """A row of ``table`` at least ``min_distance`` (RGB) from ``against`` (the first such in random order)."""
    order = rng.permutation(len(table))
    for i in order:
        if np.linalg.norm(table[i] - against) >= min_distance:
            return table[i]
    return table[order[0]]
