"""Vectorised 2-D drawing for the synthetic catalogue.

A :class:`Canvas` is one photo being drawn. Every pixel knows where it falls in *model space* (the
product's own units: a head height for apparel, a metre-ish unit for furniture), through the photo's
pose (scale, rotation, position). Shapes are signed distance fields (negative inside) evaluated on
those coordinate grids, turned into anti-aliased coverage with :meth:`Canvas.alpha` and composited
with :meth:`Canvas.paint`. Nothing here loops over pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from skill_aug.regions import Box

F32 = np.float32


@lru_cache(maxsize=8)
def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(x, y)`` of a ``size`` x ``size`` image, centred on the middle."""
    c = np.arange(size, dtype=F32) + F32(0.5) - F32(size / 2)
    ys, xs = np.meshgrid(c, c, indexing="ij")
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


@dataclass(frozen=True)
class View:
    """Where the camera looks: model point at the image centre, model units across the image height,
    rotation (radians, counter-clockwise on screen) and a shift of the image centre in pixels."""

    center: tuple[float, float]
    units: float
    angle: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Window:
    """A rectangle of the canvas (pixel slices) with its model coordinates: draw small parts only there."""

    ys: slice
    xs: slice
    U: np.ndarray
    V: np.ndarray

    @property
    def sl(self) -> tuple[slice, slice]:
        return (self.ys, self.xs)


class Canvas:
    """One square RGB photo (float32 in [0, 255] while drawing) with model coordinates ``U``, ``V``."""

    def __init__(self, size: int, view: View):
        self.size = size
        self.view = view
        self.scale = size / view.units  # pixels per model unit
        self.px = 1.0 / self.scale  # model units per pixel
        xs, ys = pixel_grid(size)
        c, s = float(np.cos(view.angle)), float(np.sin(view.angle))
        self._cs = (c, s)
        x = (xs - F32(view.shift[0])) * F32(self.px)
        y = (ys - F32(view.shift[1])) * F32(self.px)
        # screen = R(angle) @ model, so model = R(-angle) @ screen
        self.U = (F32(c) * x + F32(s) * y + F32(view.center[0])).astype(F32)
        self.V = (F32(-s) * x + F32(c) * y + F32(view.center[1])).astype(F32)
        self.img = np.zeros((size, size, 3), dtype=F32)

    # --- geometry ----------------------------------------------------------------------------------
    def to_pixels(self, points) -> list[tuple[float, float]]:
        """Model points ``[(x, y), ...]`` to pixel coordinates (x right, y down, from the image corner)."""
        v = self.view
        c, s = self._cs
        ox, oy = v.shift[0] + self.size / 2, v.shift[1] + self.size / 2
        out = []
        for px, py in points:
            dx, dy = px - v.center[0], py - v.center[1]
            out.append(((c * dx - s * dy) * self.scale + ox, (s * dx + c * dy) * self.scale + oy))
        return out

    def box(self, model_box: tuple[float, float, float, float], clip: bool = True) -> Box:
        """The pixel bounding box of a model-space box (its four corners after the pose)."""
        x0, y0, x1, y1 = model_box
        pts = self.to_pixels(((x0, y0), (x1, y0), (x0, y1), (x1, y1)))
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        bx0, bx1, by0, by1 = min(xs), max(xs), min(ys), max(ys)
        if clip:
            n = float(self.size)
            bx0, bx1 = min(max(bx0, 0.0), n), min(max(bx1, 0.0), n)
            by0, by1 = min(max(by0, 0.0), n), min(max(by1, 0.0), n)
        return (round(bx0, 1), round(by0, 1), round(bx1, 1), round(by1, 1))

    def window(self, model_box: tuple[float, float, float, float], margin: int = 2) -> Window | None:
        """The pixel window covering a model-space box (plus ``margin`` pixels), or ``None`` when off-image."""
        x0, y0, x1, y1 = self.box(model_box, clip=False)
        n = self.size
        i0, i1 = max(0, math.floor(y0) - margin), min(n, math.ceil(y1) + margin)
        j0, j1 = max(0, math.floor(x0) - margin), min(n, math.ceil(x1) + margin)
        if i1 <= i0 or j1 <= j0:
            return None
        ys, xs = slice(i0, i1), slice(j0, j1)
        return Window(ys, xs, self.U[ys, xs], self.V[ys, xs])

    def full(self) -> Window:
        """The whole canvas as a window."""
        return Window(slice(None), slice(None), self.U, self.V)

    # --- coverage and compositing --------------------------------------------------------------------
    def alpha(self, sdf: np.ndarray, soft: float = 1.0) -> np.ndarray:
        """Anti-aliased coverage of the shape ``sdf < 0`` (edge ``soft`` pixels wide)."""
        return clip01(F32(0.5) - sdf * F32(self.scale / soft))

    def paint(self, alpha: np.ndarray, color, win: Window | None = None) -> None:
        """Composite ``color`` (an RGB triple or an ``(h, w, 3)`` field) with coverage ``alpha`` (in ``win``)."""
        img = self.img if win is None else self.img[win.sl]
        delta = np.asarray(color, dtype=F32) - img
        delta *= alpha[..., None]
        img += delta

    def draw(self, win: Window | None, sdf: np.ndarray, color, edge: float = 0.0, width: float = 2.0,
             shade: np.ndarray | None = None, opacity: float = 1.0) -> np.ndarray:
        """Paint the shape ``sdf < 0`` in ``color`` with a darker outline (``edge``) and a ``shade``
        factor; returns its coverage."""
        a = self.alpha(sdf)
        if opacity != 1.0:
            a = a * F32(opacity)
        factor = edge_shade(sdf, self.px, edge, width) if edge else None
        if shade is not None:
            factor = shade if factor is None else factor * shade
        img = self.img if win is None else self.img[win.sl]
        col = np.asarray(color, dtype=F32)
        delta = col * factor[..., None] if factor is not None else np.broadcast_to(col, img.shape)
        delta = delta - img  # a fresh array: composited in place below
        delta *= a[..., None]
        img += delta
        return a

    def fill(self, color) -> None:
        self.img[...] = np.asarray(color, dtype=F32)

    def shade(self, factor: np.ndarray, win: Window | None = None) -> None:
        """Multiply the image (or the window ``win``) by a per-pixel ``factor``."""
        img = self.img if win is None else self.img[win.sl]
        img *= np.asarray(factor, dtype=F32)[..., None]

    def finish(self, rng: np.random.Generator, blur: float = 0.0, noise: float = 0.0) -> np.ndarray:
        """Optional blur and sensor noise, then the ``(H, W, 3)`` uint8 photo."""
        img = self.img
        if blur > 0.25:
            img = gaussian_blur(img, blur)
        if noise > 0:
            img = img + noise_field(rng, self.size) * F32(noise)
        return np.minimum(np.maximum(img + F32(0.5), F32(0.0)), F32(255.0)).astype(np.uint8)


def clip01(x: np.ndarray) -> np.ndarray:
    """``x`` clipped to [0, 1] (two ufuncs: cheaper than ``np.clip`` on small arrays)."""
    return np.minimum(np.maximum(x, F32(0.0)), F32(1.0))


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an ``(H, W, C)`` image (edges repeated), a few shifted adds per axis."""
    r = max(1, int(math.ceil(2.0 * sigma)))
    w = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    w = (w / w.sum()).astype(F32)
    h, wd = img.shape[:2]
    pad = np.pad(img, ((r, r), (0, 0), (0, 0)), mode="edge")
    out = pad[0:h] * w[0]
    for k in range(1, 2 * r + 1):
        out += pad[k:k + h] * w[k]
    pad = np.pad(out, ((0, 0), (r, r), (0, 0)), mode="edge")
    out = pad[:, 0:wd] * w[0]
    for k in range(1, 2 * r + 1):
        out += pad[:, k:k + wd] * w[k]
    return out


_NOISE_BANK: dict[int, np.ndarray] = {}


def noise_field(rng: np.random.Generator, size: int) -> np.ndarray:
    """A ``(size, size, 3)`` window of unit Gaussian noise: a random crop (and flip) of a fixed, seeded
    bank, far cheaper than drawing fresh normals for every photo and just as deterministic."""
    bank = _NOISE_BANK.get(size)
    if bank is None:
        bank = np.random.default_rng(20240611).standard_normal((size + 61, size + 61, 3), dtype=F32)
        _NOISE_BANK[size] = bank
    oy, ox, flip = (int(v) for v in rng.integers(0, [61, 61, 4]))
    win = bank[oy:oy + size, ox:ox + size]
    return win[::-1] if flip & 1 else (win[:, ::-1] if flip & 2 else win)


# --- signed distance fields (model units, negative inside) --------------------------------------------

def sd_ellipse(U, V, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """Approximate signed distance to an axis-aligned ellipse (exact on circles)."""
    x, y = (U - F32(cx)) / F32(rx), (V - F32(cy)) / F32(ry)
    return (np.sqrt(x * x + y * y) - F32(1.0)) * F32(min(rx, ry))


def sd_box(U, V, x0: float, y0: float, x1: float, y1: float, radius: float = 0.0) -> np.ndarray:
    """Signed distance to an axis-aligned (optionally rounded) rectangle."""
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - radius, (y1 - y0) / 2 - radius
    qx = np.abs(U - F32(cx)) - F32(hx)
    qy = np.abs(V - F32(cy)) - F32(hy)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0) - F32(radius)


def sd_segment(U, V, a: tuple[float, float], b: tuple[float, float], r0: float, r1: float | None = None,
               t_end: float = 1.0) -> np.ndarray:
    """Distance to a tapered capsule from ``a`` (radius ``r0``) to ``b`` (radius ``r1``).

    With ``t_end < 1`` the capsule stops with a flat cut at that fraction of the way to ``b``.
    """
    r1 = r0 if r1 is None else r1
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    L2 = dx * dx + dy * dy
    px, py = U - F32(ax), V - F32(ay)
    t_raw = (px * F32(dx) + py * F32(dy)) / F32(L2)
    t = clip01(t_raw)
    d = np.hypot(px - t * F32(dx), py - t * F32(dy)) - (F32(r0) + t * F32(r1 - r0))
    if t_end < 1.0:
        d = np.maximum(d, (t_raw - F32(t_end)) * F32(np.sqrt(L2)))
    return d


def sd_polygon(U, V, pts) -> np.ndarray:
    """Signed distance (exact inside, a lower bound outside) to a convex polygon given clockwise or not."""
    pts = np.asarray(pts, dtype=np.float64)
    area = 0.5 * np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
    if area < 0:
        pts = pts[::-1]
    d = None
    for (x0, y0), (x1, y1) in zip(pts, np.roll(pts, -1, axis=0)):
        ex, ey = x1 - x0, y1 - y0
        n = np.hypot(ex, ey)
        # outward normal of a counter-clockwise polygon in (x right, y down) coordinates
        nx, ny = ey / n, -ex / n
        e = (U - F32(x0)) * F32(nx) + (V - F32(y0)) * F32(ny)
        d = e if d is None else np.maximum(d, e)
    return d


def sd_profile(U, V, ys, half_widths, top, bottom) -> np.ndarray:
    """A left-right symmetric shape: half-width ``np.interp(V, ys, half_widths)`` between rows
    ``top`` and ``bottom`` (numbers or arrays shaped like ``U``)."""
    w = np.interp(V, ys, half_widths).astype(F32)
    return np.maximum(np.maximum(np.abs(U) - w, top - V), V - bottom)


def union(*sdfs):
    out = sdfs[0]
    for s in sdfs[1:]:
        out = np.minimum(out, s)
    return out


def band(sdf: np.ndarray, px: float, width: float = 1.0) -> np.ndarray:
    """Coverage of a line ``width`` pixels wide along the zero level of ``sdf``."""
    return clip01(F32(1.0) - np.abs(sdf) / F32(px * width))


def edge_shade(sdf: np.ndarray, px: float, depth: float = 0.3, width: float = 2.0) -> np.ndarray:
    """A darkening factor near the inside of a shape's outline (gives shapes a drawn edge)."""
    inside = clip01(F32(1.0) + sdf / F32(px * width))
    return F32(1.0) - F32(depth) * inside


def mix(a, b, t):
    """Per-pixel blend of two RGB colours (``t`` in [0, 1], shaped like the image)."""
    a = np.asarray(a, dtype=F32)
    b = np.asarray(b, dtype=F32)
    return a + t[..., None] * (b - a)


# --- backgrounds and light -----------------------------------------------------------------------------

def smooth_noise(U, V, rng: np.random.Generator, freq: float, octaves: int = 3) -> np.ndarray:
    """Cheap band-limited noise in [-1, 1]: a few random plane waves (no pixel loops)."""
    out = np.zeros_like(U)
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        for _ in range(2):
            th = rng.uniform(0, np.pi)
            k = freq * rng.uniform(0.8, 1.25)
            out += F32(amp) * np.sin((U * F32(np.cos(th)) + V * F32(np.sin(th))) * F32(k) + F32(rng.uniform(0, 6.3)))
            total += amp
        freq *= 2.1
        amp *= 0.5
    return out / F32(total)


def light_gradient(canvas: Canvas, rng: np.random.Generator, strength: float) -> np.ndarray:
    """A linear brightness ramp across the photo in a random direction (1 +- ``strength``)."""
    xs, ys = pixel_grid(canvas.size)
    th = rng.uniform(0, 2 * np.pi)
    ramp = (xs * F32(np.cos(th)) + ys * F32(np.sin(th))) / F32(canvas.size / 2)
    return F32(1.0) + F32(strength) * ramp
