"""Textile patterns as formulas of the garment's own coordinates.

A pattern lives on the garment (model space), so it moves, turns and scales with the garment from one
photo of a product to the next. Each pattern is a coverage in [0, 1] of the accent colour over the base
colour, anti-aliased by the pixel size: a pattern too fine for the photo blurs to its average instead
of aliasing.
"""

from __future__ import annotations

import numpy as np

from skill_aug.synth.render import F32, clip01, mix

#: the ``pattern`` factor
PATTERNS: tuple[str, ...] = ("solid", "striped", "checkered", "polka", "floral", "geometric", "chevron",
                             "paisley", "animal")
#: the ``pattern_scale`` factor: pattern period in head heights ("none" for solid)
PATTERN_SCALES: dict[str, float] = {"small": 0.3, "medium": 0.48, "large": 0.75}


def _cover(f: np.ndarray, soft: float) -> np.ndarray:
    """Coverage of ``f > 0`` where ``f`` is a distance in cell units and ``soft`` is a pixel in cell units."""
    return clip01(F32(0.5) + f * F32(1.0 / soft))


def _hash(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    """A repeatable pseudo-random number in [0, 1) per integer cell ``(i, j)``."""
    h = (i.astype(np.int64) * 374761393 + j.astype(np.int64) * 668265263 + salt * 1442695041) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    return (h & 0xFFFF).astype(F32) / F32(65536.0)


def _cells(a: np.ndarray, b: np.ndarray, stagger: bool = True):
    """Cell index and position inside the cell (centred, in [-0.5, 0.5)) on a (staggered) lattice."""
    j = np.floor(b)
    if stagger:
        a = a + F32(0.5) * (j - F32(2.0) * np.floor(j * F32(0.5)))
    i = np.floor(a)
    return i, j, a - i - F32(0.5), b - j - F32(0.5)


def coverage(name: str, U: np.ndarray, V: np.ndarray, period: float, px: float, vertical: bool = False,
             offset: tuple[float, float] = (0.0, 0.0), salt: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Accent coverage of pattern ``name`` and, for some patterns, a second-colour coverage (or ``None``).

    ``period`` is the pattern's repeat in model units, ``px`` the pixel size in model units,
    ``vertical`` turns stripes and chevrons upright, ``offset`` shifts the pattern on the garment and
    ``salt`` varies the per-cell randomness (flower turn, spot shapes) between products.
    """
    a = (U - F32(offset[0])) * F32(1.0 / period)
    b = (V - F32(offset[1])) * F32(1.0 / period)
    if vertical:
        a, b = b, a
    soft = max(px / period, 1e-3)
    if name == "solid":
        return np.zeros_like(U), None
    if name == "striped":
        return _cover(F32(0.22) - np.abs(b - np.floor(b) - F32(0.5)), soft), None
    if name == "checkered":  # gingham: two stripe sets, darker where they cross
        sa = _cover(F32(0.25) - np.abs(a - np.floor(a) - F32(0.5)), soft)
        sb = _cover(F32(0.25) - np.abs(b - np.floor(b) - F32(0.5)), soft)
        return clip01(F32(0.55) * (sa + sb) + F32(0.45) * sa * sb), None
    if name == "polka":
        _, _, x, y = _cells(a, b)
        return _cover(F32(0.2) - np.hypot(x, y), soft), None
    if name == "floral":
        i, j, x, y = _cells(a, b)
        turn = _hash(i, j, salt) * F32(2 * np.pi)
        r = np.hypot(x, y)
        th = np.arctan2(y, x) + turn
        petals = F32(0.31) * (F32(0.55) + F32(0.45) * np.abs(np.cos(F32(2.5) * th)))
        centre = _cover(F32(0.075) - r, soft)
        return _cover((petals - r) * F32(0.8), soft), centre
    if name == "geometric":  # diamond outlines with a dot between them
        _, _, x, y = _cells(a, b, stagger=False)
        dia = np.abs(x) + np.abs(y)
        ring = _cover((F32(0.07) - np.abs(dia - F32(0.3))) * F32(0.7), soft)
        corner = np.hypot(F32(0.5) - np.abs(x), F32(0.5) - np.abs(y))
        return np.maximum(ring, _cover(F32(0.09) - corner, soft)), None
    if name == "chevron":
        bz = b + np.abs(a - np.floor(a) - F32(0.5)) * F32(1.2)
        return _cover((F32(0.22) - np.abs(bz - np.floor(bz) - F32(0.5))) * F32(0.64), soft), None
    if name == "paisley":  # tear drops with a curled tail, an outline and an eye
        i, j, x, y = _cells(a * F32(0.8), b * F32(0.8))
        turn = _hash(i, j, salt) * F32(2 * np.pi)
        r = np.hypot(x, y + F32(0.06))
        th = np.arctan2(y + F32(0.06), x) - turn - r * F32(4.0)  # the tail bends as it leaves the body
        tail = np.maximum(np.cos(th), F32(0.0)) ** 4
        outer = F32(0.16) * (F32(1.0) + F32(1.9) * tail)
        inner = outer * F32(0.55)
        drop = _cover((outer - r) * F32(0.7), soft) * (F32(1.0) - _cover((inner - r) * F32(0.7), soft))
        eye = _cover(F32(0.045) - r, soft)
        return np.maximum(drop, eye), None
    if name == "animal":  # leopard-like: broken rings with a darker centre, small spots between them
        i, j, x, y = _cells(a * F32(1.1), b * F32(1.1))
        h1, h2, h3 = _hash(i, j, salt), _hash(i, j, salt + 1), _hash(i, j, salt + 2)
        x = x - (h1 - F32(0.5)) * F32(0.2)
        y = y - (h2 - F32(0.5)) * F32(0.2)
        r = np.hypot(x * F32(0.9), y)
        th = np.arctan2(y, x)
        rad = F32(0.17) + F32(0.07) * h3 + F32(0.03) * np.sin(F32(2.0) * th + h1 * F32(6.3))
        width = F32(0.035) + F32(0.025) * np.sin(F32(5.0) * th + h2 * F32(6.3))
        ring = _cover((width - np.abs(r - rad)) * F32(0.9), soft)
        gaps = _cover(np.sin(F32(3.0) * th + h2 * F32(6.3)) + F32(0.6), 0.3)
        inner = _cover(rad - F32(0.06) - r, soft) * F32(0.5)
        si, sj, sx, sy = _cells(a * F32(1.1) + F32(0.5), b * F32(1.1) + F32(0.5))
        small = _cover(F32(0.045) + F32(0.03) * _hash(si, sj, salt + 3) - np.hypot(sx, sy), soft)
        small = small * (_hash(si, sj, salt + 4) > F32(0.35)).astype(F32)
        return np.maximum(ring * gaps, small), inner
    raise ValueError(f"unknown pattern {name!r}; known: {', '.join(PATTERNS)}")


def pattern_color(name: str, U: np.ndarray, V: np.ndarray, base: np.ndarray, accent: np.ndarray,
                  period: float, px: float, vertical: bool = False, offset: tuple[float, float] = (0.0, 0.0),
                  salt: int = 0) -> np.ndarray:
    """The ``(H, W, 3)`` colour field of a patterned fabric (base colour with accent motifs)."""
    if name == "solid":
        return np.broadcast_to(np.asarray(base, dtype=F32), U.shape + (3,))
    main, second = coverage(name, U, V, period, px, vertical, offset, salt)
    field = mix(base, accent, main)
    if second is not None:
        if name == "animal":  # the rosette's centre is a deeper shade of the base
            field = mix(field, (np.asarray(base, F32) * F32(0.55) + np.asarray(accent, F32) * F32(0.45)), second)
        else:  # flower hearts and paisley eyes: a light tint of the accent
            field = mix(field, np.asarray(accent, F32) * F32(0.35) + F32(0.65 * 245), second)
    return field
