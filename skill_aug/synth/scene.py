"""What every synthetic photo shares: the backdrop, the light, the camera's blur and noise."""

from __future__ import annotations

from typing import Any

import numpy as np

from skill_aug.synth import palette
from skill_aug.synth.render import F32, Canvas, clip01, light_gradient, pixel_grid, smooth_noise

BACKGROUNDS = ("plain", "gradient", "texture")


def backdrop(canvas: Canvas, rng: np.random.Generator, avoid: np.ndarray | None = None,
             table: np.ndarray = palette.BACKDROPS) -> dict[str, Any]:
    """Fill the canvas with a studio backdrop: a plain colour, a gradient or a fine texture.

    The backdrop is fixed to the image (not to the product), and kept away from the colour ``avoid``.
    """
    kind = str(rng.choice(BACKGROUNDS, p=[0.4, 0.35, 0.25]))
    base = palette.pick_contrasting(rng, table, avoid, 70.0) if avoid is not None else table[rng.integers(len(table))]
    xs, ys = pixel_grid(canvas.size)
    n = F32(canvas.size / 2)
    if kind == "plain":
        canvas.fill(base)
    elif kind == "gradient":
        other = base * F32(rng.uniform(0.72, 0.92))
        th = rng.uniform(np.pi * 0.3, np.pi * 0.7)  # mostly top-to-bottom, like a sweep
        t = clip01(F32(0.5) + (xs * F32(np.cos(th)) + ys * F32(np.sin(th))) / (F32(2) * n))
        canvas.img[...] = base + t[..., None] * (other - base)
    else:
        grain = smooth_noise(xs / n, ys / n, rng, freq=rng.uniform(6.0, 14.0), octaves=3)
        if rng.random() < 0.4:  # planks: a wooden table top or floor
            th = rng.uniform(0, np.pi)
            across = (xs * F32(np.cos(th)) + ys * F32(np.sin(th))) / n
            seams = np.abs(np.sin(across * F32(rng.uniform(4, 8)) * F32(np.pi / 2)))
            grain = grain * F32(0.5) + (seams < F32(0.06)).astype(F32) * F32(-1.5)
        canvas.img[...] = base * (F32(1.0) + F32(0.05) * grain)[..., None]
    return {"background": kind, "background_rgb": tuple(int(v) for v in base)}


def finish_photo(canvas: Canvas, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """Light (a brightness ramp and exposure), mild blur and sensor noise; the uint8 photo and its draws."""
    strength = float(rng.uniform(0.0, 0.18))
    exposure = float(rng.uniform(0.9, 1.08))
    canvas.img *= (light_gradient(canvas, rng, strength) * F32(exposure))[..., None]
    blur = float(rng.uniform(0.3, 0.9)) if rng.random() < 0.4 else 0.0
    noise = float(rng.uniform(0.0, 4.0))
    image = canvas.finish(rng, blur=blur, noise=noise)
    return image, {"light": round(strength, 3), "exposure": round(exposure, 3), "blur": round(blur, 2),
                   "noise": round(noise, 2)}
