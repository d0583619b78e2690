"""Dresses and shirts, worn by a stylised person or laid flat.

Model space is measured in head heights with the top of the head at ``y = 0`` and ``x = 0`` on the
body's axis (y down). The person follows the proportions that :mod:`skill_aug.regions` assumes (a
head about 0.8 x 1.05 units, shoulders about 2.5 head widths apart, knees about 5.75 heads down), so the
regions :func:`skill_aug.tasks.get_task` places from the true head box land on the neckline, the
sleeves and the knees of the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skill_aug.regions import Box
from skill_aug.synth import palette
from skill_aug.synth.base import SynthPhoto, SynthProduct
from skill_aug.synth.patterns import PATTERN_SCALES, PATTERNS, pattern_color
from skill_aug.synth.render import (
    F32,
    clip01,
    Canvas,
    View,
    Window,
    band,
    sd_box,
    sd_ellipse,
    sd_polygon,
    sd_profile,
    sd_segment,
    union,
)
from skill_aug.synth.scene import backdrop, finish_photo

# --- factor values -------------------------------------------------------------------------------------
DRESS_SILHOUETTES = ("a_line", "sheath", "fit_and_flare", "shift")
DRESS_LENGTHS = {"mini": 4.7, "knee": 5.7, "midi": 6.55, "maxi": 7.15}  # hem line, head heights from the top
DRESS_NECKLINES = ("round", "v", "square", "boat")
SHIRT_SILHOUETTES = ("regular", "slim", "boxy")
SHIRT_NECKLINES = ("collar", "mandarin", "round", "v")
POCKETS = ("none", "chest")
#: sleeve length -> arc length covered along the arm from the shoulder (upper arm 1.4, forearm 1.2)
SLEEVES = {"sleeveless": 0.0, "cap": 0.34, "short": 0.66, "half": 1.38, "three_quarter": 1.95, "long": 2.55}

# --- the person ----------------------------------------------------------------------------------------
HEAD_BOX = (-0.40, -0.02, 0.40, 1.03)  # face ellipse plus hair cap
SHOULDER = (0.95, 1.55)  # image-right shoulder joint; the left one is mirrored
UPPER_ARM, FOREARM = 1.4, 1.2
HIP_Y, KNEE_Y, ANKLE_Y = 3.75, 5.75, 7.2
WAIST_Y = 3.0


def _shoulder_line(U: np.ndarray, y: float = 1.22) -> np.ndarray:
    """Top edge of a garment: the neck base at ``y``, sloping down to the shoulder points."""
    return F32(y) + F32(0.26) * clip01((np.abs(U) - F32(0.24)) / F32(0.76))


@dataclass
class _Arm:
    """One arm (or one sleeve of a flat-lay garment): shoulder, elbow and wrist in model space."""

    s: tuple[float, float]
    e: tuple[float, float]
    w: tuple[float, float]

    @staticmethod
    def make(side: int, spread: float, bend: float, shoulder: tuple[float, float] = SHOULDER) -> "_Arm":
        sx, sy = shoulder[0] * side, shoulder[1]
        ex, ey = sx + side * UPPER_ARM * np.sin(spread), sy + UPPER_ARM * np.cos(spread)
        a2 = spread + bend
        wx, wy = ex + side * FOREARM * np.sin(a2), ey + FOREARM * np.cos(a2)
        return _Arm((sx, sy), (float(ex), float(ey)), (float(wx), float(wy)))

    def point(self, s: float) -> tuple[float, float]:
        """The point at arc length ``s`` from the shoulder."""
        if s <= UPPER_ARM:
            t = s / UPPER_ARM
            return (self.s[0] + t * (self.e[0] - self.s[0]), self.s[1] + t * (self.e[1] - self.s[1]))
        t = min(1.0, (s - UPPER_ARM) / FOREARM)
        return (self.e[0] + t * (self.w[0] - self.e[0]), self.e[1] + t * (self.w[1] - self.e[1]))

    def skin(self, U, V) -> np.ndarray:
        hand = _Arm._extend(self.e, self.w, 0.16)
        return union(sd_segment(U, V, self.s, self.e, 0.13, 0.105),
                     sd_segment(U, V, self.e, self.w, 0.1, 0.08),
                     sd_ellipse(U, V, hand[0], hand[1], 0.1, 0.15))

    def sleeve(self, U, V, length: float, flare: float) -> np.ndarray:
        """The sleeve covering the arm from the shoulder for arc length ``length`` (wider by ``flare`` at its end)."""
        r0, r_elbow, r_wrist = 0.2, 0.17, 0.145
        if length <= UPPER_ARM:
            t_end = length / UPPER_ARM
            r_end = r0 + (r_elbow - r0) * t_end + flare
            return sd_segment(U, V, self.s, self.e, r0, r0 + (r_end - r0) / t_end, t_end=t_end)
        t_end = min(1.0, (length - UPPER_ARM) / FOREARM)
        r_end = r_elbow + (r_wrist - r_elbow) * t_end + flare
        return np.minimum(sd_segment(U, V, self.s, self.e, r0, r_elbow),
                          sd_segment(U, V, self.e, self.w, r_elbow, r_elbow + (r_end - r_elbow) / t_end, t_end=t_end))

    def box(self, length: float, radius: float = 0.22, at_least: float = 0.75) -> Box:
        """Bounding box of the sleeve (at least ``at_least`` down the arm: shoulder and upper arm for short
        or no sleeves)."""
        s_end = max(length, at_least)
        pts = [self.s, self.point(min(s_end, UPPER_ARM)), self.point(s_end)]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs) - radius, min(ys) - radius, max(xs) + radius, max(ys) + radius)

    def bounds(self, pad: float = 0.3) -> Box:
        """Model-space bounding box of the whole arm and hand."""
        hand = _Arm._extend(self.e, self.w, 0.16)
        xs, ys = (self.s[0], self.e[0], self.w[0], hand[0]), (self.s[1], self.e[1], self.w[1], hand[1])
        return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)

    @staticmethod
    def _extend(a, b, by):
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = float(np.hypot(dx, dy))
        return (b[0] + dx / n * by, b[1] + dy / n * by)


# --- garment outlines ----------------------------------------------------------------------------------

def _dress_profile(silhouette: str, hem: float) -> tuple[list[float], list[float]]:
    """Half-width of a dress (knots: rows and half-widths) from the neck base to the hem."""
    if silhouette == "a_line":
        return [1.22, 1.5, 2.1, WAIST_Y, hem], [0.34, 1.0, 0.84, 0.68, 0.68 + 0.24 * (hem - WAIST_Y)]
    if silhouette == "sheath":
        return [1.22, 1.5, 2.1, WAIST_Y, HIP_Y, hem], [0.34, 1.0, 0.82, 0.62, 0.82, 0.72]
    if silhouette == "fit_and_flare":
        return [1.22, 1.5, 2.1, WAIST_Y, 3.2, hem], [0.34, 1.0, 0.82, 0.6, 0.78, 0.78 + 0.36 * (hem - 3.2)]
    if silhouette == "shift":
        return [1.22, 1.5, 2.1, hem], [0.34, 1.02, 0.9, 0.94]
    raise ValueError(f"unknown dress silhouette {silhouette!r}")


def _shirt_profile(silhouette: str) -> tuple[list[float], list[float], float]:
    """Half-width knots and hem row of a shirt."""
    if silhouette == "regular":
        return [1.22, 1.5, 2.1, WAIST_Y, 4.1], [0.34, 1.04, 0.94, 0.9, 0.92], 4.1
    if silhouette == "slim":
        return [1.22, 1.5, 2.1, WAIST_Y, 4.0], [0.34, 1.0, 0.84, 0.7, 0.78], 4.0
    if silhouette == "boxy":
        return [1.22, 1.55, 1.75, 3.65], [0.34, 1.16, 1.14, 1.14], 3.65
    raise ValueError(f"unknown shirt silhouette {silhouette!r}")


def _neck_cut(U, V, neckline: str) -> tuple[np.ndarray, float]:
    """Signed distance of the neck opening (negative inside) and the row of its lowest point."""
    if neckline == "round":
        return sd_ellipse(U, V, 0.0, 1.17, 0.3, 0.38), 1.55
    if neckline == "v":
        return sd_polygon(U, V, [(-0.32, 0.9), (0.32, 0.9), (0.0, 2.05)]), 2.05
    if neckline == "square":
        return sd_box(U, V, -0.36, 0.9, 0.36, 1.72, radius=0.04), 1.72
    if neckline == "boat":
        return sd_ellipse(U, V, 0.0, 1.12, 0.64, 0.22), 1.34
    if neckline == "collar":
        return sd_polygon(U, V, [(-0.22, 0.95), (0.22, 0.95), (0.0, 1.5)]), 1.5
    if neckline == "mandarin":
        return sd_ellipse(U, V, 0.0, 1.12, 0.23, 0.2), 1.32
    raise ValueError(f"unknown neckline {neckline!r}")


def _collar_flaps(U, V) -> np.ndarray:
    left = sd_polygon(U, V, [(-0.27, 1.02), (-0.52, 1.38), (-0.14, 1.66), (-0.02, 1.44)])
    right = sd_polygon(U, V, [(0.27, 1.02), (0.52, 1.38), (0.14, 1.66), (0.02, 1.44)])
    return np.minimum(left, right)


class Apparel(SynthProduct):
    """A dress or a shirt with fixed design and colours; photos worn by a person or laid flat."""

    def __init__(self, kind: str, size: int, design: dict[str, str], nuisance: dict[str, str],
                 person_p: float, pattern_offset: tuple[float, float], salt: int):
        if kind not in ("dress", "shirt"):
            raise ValueError(f"unknown apparel kind {kind!r}")
        self.kind, self.size, self.person_p = kind, size, person_p
        self.design, self.nuisance = design, nuisance
        self.pattern_offset, self.salt = pattern_offset, salt
        if kind == "dress":
            self.hem = DRESS_LENGTHS[design["length"]]
            self.ys, self.ws = _dress_profile(design["silhouette"], self.hem)
        else:
            self.ys, self.ws, self.hem = _shirt_profile(design["silhouette"])
        self.sleeve_len = SLEEVES[design["sleeve_length"]]
        self.base = palette.rgb(nuisance["color"])
        accent = nuisance["accent_color"]
        self.accent = palette.rgb(accent) if accent != "none" else self.base

    # --- framing --------------------------------------------------------------------------------------
    def _extent(self, arms: list[_Arm]) -> tuple[float, float, float]:
        """Half-width, top and bottom of the garment alone, sleeves included."""
        half = max(self.ws) + 0.05
        bottom = self.hem + 0.2
        if self.sleeve_len > 0:
            for arm in arms:
                for s in (min(self.sleeve_len, UPPER_ARM), self.sleeve_len):
                    x, y = arm.point(s)
                    half = max(half, abs(x) + 0.3)
                    bottom = max(bottom, y + 0.3)
        return half, 0.9, bottom

    def render(self, rng: np.random.Generator, index: int) -> SynthPhoto:
        person = bool(rng.random() < self.person_p)
        scale = float(rng.uniform(0.88, 1.08))
        shift = (float(rng.uniform(-0.06, 0.06) * self.size), float(rng.uniform(-0.04, 0.04) * self.size))
        if person:
            spread = rng.uniform(0.1, 0.26, size=2)
            bend = rng.uniform(0.0, 0.2, size=2)
            arms = [_Arm.make(-1, spread[0], bend[0]), _Arm.make(1, spread[1], bend[1])]
            angle = float(rng.uniform(-0.08, 0.08))
            center, units = ((0.0, 3.65), 8.2) if self.kind == "dress" else ((0.0, 2.6), 6.0)
        else:
            spread = rng.uniform(0.55, 0.9, size=2)
            arms = [_Arm.make(-1, spread[0], 0.0), _Arm.make(1, spread[1], 0.0)]
            angle = float(rng.uniform(-0.22, 0.22))
        half, top, bottom = self._extent(arms)
        if not person:
            center, units = (0.0, (top + bottom) / 2), max(bottom - top, 2 * half) * 1.18
        canvas = Canvas(self.size, View(center, units / scale, angle, shift))
        px = canvas.px
        info: dict = {"person": person, "angle": round(angle, 4), "scale": round(scale, 4),
                      "shift": (round(shift[0], 2), round(shift[1], 2)), "pixels_per_unit": canvas.scale}
        info.update(backdrop(canvas, rng, avoid=self.base))
        skin = None
        if person:
            skin, drawn = self._draw_person_under(canvas, rng)
            info.update(drawn)

        mask = np.zeros((self.size, self.size), dtype=F32)
        sleeves = self._sleeves(canvas, arms)
        if not person:  # a soft drop shadow of the sleeves on the table, then the sleeves
            for aw, d, _ in sleeves:
                canvas.shade(F32(1.0) - F32(0.22) * clip01(F32(1.0) - d / F32(4 * px)), aw)
            for aw, d, field in sleeves:
                np.maximum(mask[aw.sl], canvas.draw(aw, d, field, edge=0.3), out=mask[aw.sl])
        neck_low = 1.5
        win = canvas.window((-max(self.ws) - 0.05, top, max(self.ws) + 0.05, self.hem + 0.2))
        if win is not None:
            U, V = win.U, win.V
            field = self._fabric(U, V, px)
            d_body, shade = self._body(U, V)
            cut, neck_low = _neck_cut(U, V, self.design["neckline"])
            d_front = np.maximum(d_body, -cut)
            if not person:
                canvas.shade(F32(1.0) - F32(0.22) * clip01(F32(1.0) - d_body / F32(4 * px)), win)
                back = np.maximum(d_body, -sd_ellipse(U, V, 0.0, 1.08, 0.22, 0.13))  # inside of the back panel
                canvas.draw(win, back, field * F32(0.62))
            canvas.draw(win, d_front, field, edge=0.3, shade=shade)
            d_garment = self._details(canvas, win, field, cut, neck_low, d_front)
            np.maximum(mask[win.sl], canvas.alpha(d_garment), out=mask[win.sl])
        if person:  # arms in front of the body, sleeves over the arms
            for arm in arms:
                if (aw := canvas.window(arm.bounds())) is not None:
                    canvas.draw(aw, arm.skin(aw.U, aw.V), skin, edge=0.2)
            for aw, d, field in sleeves:
                np.maximum(mask[aw.sl], canvas.draw(aw, d, field, edge=0.3), out=mask[aw.sl])
        boxes = self._boxes(canvas, arms, person, neck_low)
        image, light = finish_photo(canvas, rng)
        info.update(light)
        return SynthPhoto(image=image, boxes=boxes, mask=mask, nuisance=info)

    # --- parts ----------------------------------------------------------------------------------------
    def _fabric(self, U, V, px: float) -> np.ndarray:
        """The garment's patterned colour at model coordinates ``U``, ``V``."""
        return pattern_color(self.design["pattern"], U, V, self.base, self.accent,
                             PATTERN_SCALES.get(self.design["pattern_scale"], 0.48), px,
                             vertical=self.kind == "shirt", offset=self.pattern_offset, salt=self.salt)

    def _sleeves(self, canvas: Canvas, arms: list[_Arm]) -> list[tuple[Window, np.ndarray, np.ndarray]]:
        """Each sleeve's window, signed distance and fabric (none without sleeves)."""
        if self.sleeve_len <= 0:
            return []
        flare = 0.07 if self.design["sleeve_length"] in ("cap", "short") else 0.0
        out = []
        for arm in arms:
            aw = canvas.window(arm.box(self.sleeve_len, radius=0.25 + flare, at_least=0.0))
            if aw is not None:
                out.append((aw, arm.sleeve(aw.U, aw.V, self.sleeve_len, flare), self._fabric(aw.U, aw.V, canvas.px)))
        return out

    def _body(self, U, V) -> tuple[np.ndarray, np.ndarray]:
        """Signed distance of the garment body (no neck opening yet) and its shading."""
        w = np.interp(V, self.ys, self.ws).astype(F32)
        flared = self.kind == "dress" and self.design["silhouette"] in ("a_line", "fit_and_flare")
        xn = np.clip(U / F32(self.ws[-1]), -1, 1)
        bottom = F32(self.hem) + F32(0.1 if flared else 0.05) * (F32(1.0) - xn * xn)
        if self.kind == "shirt" and self.design["silhouette"] != "boxy":  # shirt tails
            bottom = bottom + F32(0.12) * (F32(1.0) - xn * xn) - F32(0.05)
        x = U / w
        shade = F32(1.0) - F32(0.16) * x * x  # a round body: darker towards the sides
        if flared:  # folds deepening towards the hem, and a wavy hem
            t = clip01((V - F32(WAIST_Y)) / F32(self.hem - WAIST_Y))
            wave = np.cos(U * F32(2 * np.pi / 0.42))
            bottom = bottom + F32(0.04) * wave
            shade = shade * (F32(1.0) - F32(0.13) * t * (F32(0.5) + F32(0.5) * wave))
        d = np.maximum(np.maximum(np.abs(U) - w, _shoulder_line(U) - V), V - bottom)
        if self.sleeve_len == 0:  # armholes
            armholes = sd_ellipse(np.abs(U), V, 1.14, 1.68, 0.4, 0.52)
            d = np.maximum(d, -armholes)
        return d, shade

    def _draw_person_under(self, canvas: Canvas, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
        """Everything of the person behind the garment: hair, legs (or trousers), torso, neck, head."""
        skin = palette.SKIN_TONES[rng.integers(len(palette.SKIN_TONES))]
        hair = palette.HAIR_COLORS[rng.integers(len(palette.HAIR_COLORS))]
        style = str(rng.choice(["short", "bun", "long"]))
        shoes = palette.BOTTOMS[rng.integers(len(palette.BOTTOMS))] * F32(0.6)
        trousers = palette.BOTTOMS[rng.integers(len(palette.BOTTOMS))]
        stance = float(rng.uniform(0.9, 1.5))
        leg_x = 0.3 * stance + 0.3
        if self.kind == "dress" and (w := canvas.window((-1.1, 7.0, 1.1, 7.5))) is not None:  # floor shadow
            canvas.shade(F32(1.0) - F32(0.2) * canvas.alpha(sd_ellipse(w.U, w.V, 0.0, ANKLE_Y + 0.12, 1.0, 0.14), soft=6.0), w)
        if style == "long" and (w := canvas.window((-0.5, 0.25, 0.5, 2.1))) is not None:
            canvas.draw(w, sd_box(w.U, w.V, -0.5, 0.3, 0.5, 2.05, radius=0.3), hair * F32(0.9))
        if (w := canvas.window((-0.95, 0.75, 0.95, 3.95))) is not None:
            torso = sd_profile(w.U, w.V, [1.2, 1.5, 2.0, WAIST_Y, 3.8], [0.3, 0.92, 0.8, 0.62, 0.8],
                               F32(1.15), F32(3.9))
            canvas.draw(w, torso, skin, edge=0.12)
        top = HIP_Y - 0.25 if self.kind == "dress" else 2.85
        if (w := canvas.window((-leg_x - 0.35, top, leg_x + 0.35, ANKLE_Y + 0.25))) is not None:
            U, V = w.U, w.V
            legs = []
            for side in (-1, 1):
                hip, knee, ankle = (side * 0.34, HIP_Y), (side * 0.3 * stance, KNEE_Y), (side * 0.3 * stance, ANKLE_Y)
                if self.kind == "dress":
                    legs.append(np.minimum(sd_segment(U, V, hip, knee, 0.24, 0.14),
                                           sd_segment(U, V, knee, ankle, 0.14, 0.08)))
                else:
                    legs.append(np.minimum(sd_segment(U, V, (side * 0.4, 3.3), knee, 0.36, 0.25),
                                           sd_segment(U, V, knee, ankle, 0.25, 0.21)))
            d_legs = np.minimum(*legs)
            if self.kind == "dress":
                canvas.draw(w, d_legs, skin, edge=0.15)
            else:
                hips = sd_profile(U, V, [2.9, WAIST_Y, 3.8], [0.6, 0.62, 0.8], F32(2.9), F32(3.9))
                d_tr = np.minimum(d_legs, hips)
                canvas.draw(w, d_tr, trousers, edge=0.25)
            shoes_d = sd_ellipse(np.abs(U), V, 0.3 * stance + 0.07, ANKLE_Y + 0.1, 0.18, 0.09)
            canvas.draw(w, shoes_d, shoes)
        if (w := canvas.window((-0.45, -0.25, 0.45, 1.35))) is not None:
            U, V = w.U, w.V
            canvas.draw(w, sd_box(U, V, -0.15, 0.8, 0.15, 1.3, radius=0.05), skin * F32(0.88))  # neck
            if style == "bun":
                canvas.draw(w, sd_ellipse(U, V, 0.0, -0.04, 0.2, 0.15), hair)
            canvas.draw(w, sd_ellipse(U, V, 0.0, 0.54, 0.35, 0.49), skin, edge=0.12)
            features = np.minimum(sd_ellipse(np.abs(U), V, 0.13, 0.52, 0.045, 0.035), sd_ellipse(U, V, 0.0, 0.8, 0.09, 0.022))
            canvas.draw(w, features, skin * F32(0.45), opacity=0.8)
            hairline = F32(0.33) + F32(0.42) * np.minimum((U / F32(0.4)) ** 2, F32(1.0))
            canvas.draw(w, np.maximum(sd_ellipse(U, V, 0.0, 0.46, 0.4, 0.48), V - hairline), hair, edge=0.25)
        return skin, {"hair": style, "stance": round(stance, 3)}

    def _details(self, canvas: Canvas, win, field: np.ndarray, cut: np.ndarray, neck_low: float,
                 d_garment: np.ndarray) -> np.ndarray:
        """Collars, plackets, buttons, pockets, ribs and seams; returns the garment's full outline."""
        U, V, px = win.U, win.V, canvas.px
        neckline = self.design["neckline"]
        if neckline == "collar":
            stand = np.maximum(np.abs(sd_ellipse(U, V, 0.0, 1.12, 0.27, 0.14)) - F32(0.05), V - F32(1.16))
            d = np.minimum(_collar_flaps(U, V), stand)
            canvas.draw(win, d, field, edge=0.4, width=1.5)
            d_garment = np.minimum(d_garment, d)
        elif neckline == "mandarin":
            stand = np.maximum(np.abs(cut) - F32(0.06), F32(1.1) - V)
            canvas.draw(win, stand, field, edge=0.4, width=1.5)
            d_garment = np.minimum(d_garment, stand)
        inside = canvas.alpha(d_garment)
        lines = []
        if neckline in ("round", "v") and self.kind == "shirt":  # ribbed neck band
            lines.append(band(cut - F32(0.06), px, 0.8))
        if neckline in ("collar", "mandarin"):  # placket and buttons
            lines.append(band(np.abs(U) - F32(0.06), px, 0.8) * (V > F32(neck_low)).astype(F32))
            y0, step = neck_low + 0.25, 0.42
            n = max(1, int((self.hem - 0.1 - y0) / step) + 1)
            k = np.clip(np.round((V - F32(y0)) / F32(step)), 0, n - 1)
            buttons = np.hypot(U, V - F32(y0) - k * F32(step)) - F32(0.04)
            canvas.paint(canvas.alpha(buttons) * inside, palette.rgb("white") * F32(0.92), win)
        if self.design.get("pocket") == "chest":
            lines.append(band(sd_box(U, V, 0.22, 1.95, 0.58, 2.38, radius=0.03), px, 0.9))
        if self.kind == "dress" and self.design["silhouette"] == "fit_and_flare":  # waist seam
            lines.append(band(V - F32(WAIST_Y), px, 0.8))
        if lines:
            canvas.shade(F32(1.0) - F32(0.35) * np.maximum.reduce(lines) * inside, win)
        return d_garment

    def _boxes(self, canvas: Canvas, arms: list[_Arm], person: bool, neck_low: float) -> dict[str, Box]:
        """True head and region boxes in pixels."""
        boxes: dict[str, Box] = {}
        if person:
            boxes["head"] = canvas.box(HEAD_BOX)
        boxes["neck"] = canvas.box((-0.72, 0.9, 0.72, max(neck_low + 0.25, 1.75)))
        left, right = (canvas.box(arm.box(self.sleeve_len)) for arm in arms)
        if (left[0] + left[2]) > (right[0] + right[2]):  # name sleeves by their side in the image
            left, right = right, left
        boxes["sleeve_left"], boxes["sleeve_right"] = left, right
        if self.kind == "dress":
            if person:
                half = float(np.interp(KNEE_Y, self.ys, self.ws)) if self.hem > KNEE_Y - 0.3 else 0.7
                knee = (-max(half, 0.7) - 0.05, KNEE_Y - 0.55, max(half, 0.7) + 0.05, KNEE_Y + 0.55)
            else:
                y1 = min(KNEE_Y + 0.5, self.hem)
                y0 = min(KNEE_Y - 0.5, y1 - 0.9)
                half = float(np.interp((y0 + y1) / 2, self.ys, self.ws))
                knee = (-half - 0.05, y0, half + 0.05, y1)
            boxes["knee"] = canvas.box(knee)
        return boxes


# --- generators (registered by the built-in plugins) ----------------------------------------------------

def _colours_and_pattern(rng: np.random.Generator) -> tuple[dict[str, str], dict[str, str]]:
    pattern = str(rng.choice(PATTERNS, p=_pattern_weights()))
    scale = "none" if pattern == "solid" else str(rng.choice(list(PATTERN_SCALES)))
    color = str(rng.choice(palette.COLOR_NAMES))
    accent = "none" if pattern == "solid" else palette.pick_accent(rng, color)
    return {"pattern": pattern, "pattern_scale": scale}, {"color": color, "accent_color": accent}


def _pattern_weights() -> np.ndarray:
    w = np.ones(len(PATTERNS))
    w[PATTERNS.index("solid")] = 3.0  # solid garments are the most common in any catalogue
    return w / w.sum()


def _person_p(person_p: float) -> float:
    if not 0.0 <= float(person_p) <= 1.0:
        raise ValueError(f"person_p must be in [0, 1], got {person_p}")
    return float(person_p)


def dress_generator(rng: np.random.Generator, size: int, person_p: float = 0.75, **options) -> Apparel:
    """Draw one women's dress: silhouette, length, sleeve length, neckline, pattern and pattern scale."""
    design = {
        "silhouette": str(rng.choice(DRESS_SILHOUETTES)),
        "length": str(rng.choice(list(DRESS_LENGTHS))),
        "sleeve_length": str(rng.choice(list(SLEEVES))),
        "neckline": str(rng.choice(DRESS_NECKLINES)),
    }
    pattern, colours = _colours_and_pattern(rng)
    design.update(pattern)
    offset = (float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))
    return Apparel("dress", size, design, colours, _person_p(person_p), offset, int(rng.integers(1 << 16)))


def shirt_generator(rng: np.random.Generator, size: int, person_p: float = 0.75, **options) -> Apparel:
    """Draw one shirt: silhouette, sleeve length, neckline (collar, mandarin, round, v), pocket, pattern."""
    design = {
        "silhouette": str(rng.choice(SHIRT_SILHOUETTES)),
        "sleeve_length": str(rng.choice(list(SLEEVES), p=[0.08, 0.08, 0.32, 0.12, 0.1, 0.3])),
        "neckline": str(rng.choice(SHIRT_NECKLINES)),
        "pocket": str(rng.choice(POCKETS)),
    }
    pattern, colours = _colours_and_pattern(rng)
    design.update(pattern)
    offset = (float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))
    return Apparel("shirt", size, design, colours, _person_p(person_p), offset, int(rng.integers(1 << 16)))
