"""Furniture: shaded oblique drawings of sofas, chairs, tables, desks, beds, ottomans and bean bags.

Model space: x to the right, y down with the floor at ``y = 0``, and a depth z going back from the
front face. A photo projects depth obliquely (``x + z * kx``, ``y + z * ky``): the viewpoint (from
the left or the right, from higher or lower) is a per-photo nuisance, like the pose of a garment.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from skill_aug.regions import Box
from skill_aug.synth import palette
from skill_aug.synth.base import SynthPhoto, SynthProduct
from skill_aug.synth.render import F32, Canvas, View, Window, clip01, sd_box, sd_ellipse, sd_polygon, union
from skill_aug.synth.scene import backdrop, finish_photo

CATEGORIES = ("sofa", "arm_chair", "dining_chair", "table", "desk", "bed", "ottoman", "bean_bag")
LEG_STYLES = ("straight", "tapered", "block", "hairpin")
MATERIALS = {"soft": ("fabric", "leather", "velvet"), "hard": ("wood", "painted")}
_HARD = ("dining_chair", "table", "desk")


class _Painter:
    """Draws cuboids and flat shapes of one piece under one oblique projection, keeping its mask."""

    def __init__(self, canvas: Canvas, k: tuple[float, float], texture: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.canvas, self.kx, self.ky = canvas, k[0], k[1]
        self.texture = texture
        self.mask = np.zeros((canvas.size, canvas.size), dtype=F32)

    def _paint(self, win: Window, d: np.ndarray, color, light: float, edge: float = 0.35,
               textured: bool = True) -> None:
        a = self.canvas.draw(win, d, np.asarray(color, F32) * F32(light), edge=edge, width=1.5,
                             shade=self.texture(win.U, win.V) if textured else None)
        np.maximum(self.mask[win.sl], a, out=self.mask[win.sl])

    def cuboid(self, x0: float, x1: float, y0: float, y1: float, z0: float, z1: float, color,
               front: float = 1.0, textured: bool = True) -> None:
        """A box ``[x0, x1] x [y0, y1]`` (y0 above y1) from depth ``z0`` back to ``z1``: side, top, front."""
        kx, ky = self.kx, self.ky
        bx0, bx1 = x0 + min(z0 * kx, z1 * kx), x1 + max(z0 * kx, z1 * kx)
        by0, by1 = y0 + z1 * ky, y1 + z0 * ky
        win = self.canvas.window((bx0, by0, bx1, by1))
        if win is None:
            return
        U, V = win.U, win.V
        # the side face seen (right when kx > 0): points (xs, y) + z (kx, ky)
        xs = x1 if kx > 0 else x0
        z = (U - F32(xs)) / F32(kx)
        y = V - z * F32(ky)
        d_side = np.maximum(np.maximum((F32(z0) - z) * F32(abs(kx)), (z - F32(z1)) * F32(abs(kx))),
                            np.maximum(F32(y0) - y, y - F32(y1)))
        self._paint(win, d_side, color, 0.72 * front, textured=textured)
        # the top face: points (x, y0) + z (kx, ky)
        z = (V - F32(y0)) / F32(ky)
        x = U - z * F32(kx)
        d_top = np.maximum(np.maximum((F32(z0) - z) * F32(abs(ky)), (z - F32(z1)) * F32(abs(ky))),
                           np.maximum(F32(x0) - x, x - F32(x1)))
        self._paint(win, d_top, color, 1.12 * front, textured=textured)
        d_front = sd_box(U, V, x0 + z0 * kx, y0 + z0 * ky, x1 + z0 * kx, y1 + z0 * ky)
        self._paint(win, d_front, color, 0.95 * front, textured=textured)

    def flat(self, box: Box, sdf: Callable[[np.ndarray, np.ndarray], np.ndarray], color, light: float = 1.0,
             z: float = 0.0, edge: float = 0.35, textured: bool = True) -> Window | None:
        """A flat shape (in the front plane moved back to depth ``z``), within model box ``box``."""
        ox, oy = z * self.kx, z * self.ky
        win = self.canvas.window((box[0] + ox, box[1] + oy, box[2] + ox, box[3] + oy))
        if win is not None:
            self._paint(win, sdf(win.U - F32(ox), win.V - F32(oy)), color, light, edge, textured)
        return win

    def leg(self, style: str, x: float, top: float, z: float, color, light: float = 1.0, width: float = 0.1) -> None:
        """One leg from ``top`` down to the floor at horizontal position ``x`` and depth ``z``."""
        h = -top
        if style == "straight":
            self.cuboid(x - width / 2, x + width / 2, top, 0.0, z - width / 2, z + width / 2, color, light, False)
        elif style == "block":
            w = width * 2.2
            self.cuboid(x - w / 2, x + w / 2, top, 0.0, z - w / 2, z + w / 2, color, light, False)
        elif style == "tapered":
            w0, w1 = width * 0.65, width * 0.22
            pts = [(x - w0, top), (x + w0, top), (x + w1, 0.0), (x - w1, 0.0)]
            self.flat((x - w0, top, x + w0, 0.0), lambda U, V: sd_polygon(U, V, pts), color, light, z, textured=False)
        elif style == "hairpin":
            spread = min(0.25, 0.3 * h)
            pts_l = [(x - 0.015, top), (x + 0.015, top), (x - spread * 0.3 + 0.012, 0.0), (x - spread * 0.3 - 0.012, 0.0)]
            pts_r = [(x - 0.015, top), (x + 0.015, top), (x + spread * 0.3 + 0.012, 0.0), (x + spread * 0.3 - 0.012, 0.0)]
            self.flat((x - spread, top, x + spread, 0.0),
                      lambda U, V: np.minimum(sd_polygon(U, V, pts_l), sd_polygon(U, V, pts_r)),
                      np.asarray(color, F32) * F32(0.6), light, z, edge=0.0, textured=False)

    def lines(self, box: Box, sdf: Callable[[np.ndarray, np.ndarray], np.ndarray], z: float = 0.0,
              depth: float = 0.3) -> None:
        """Darken seams (the zero level of ``sdf``) on the front plane at depth ``z``."""
        ox, oy = z * self.kx, z * self.ky
        win = self.canvas.window((box[0] + ox, box[1] + oy, box[2] + ox, box[3] + oy))
        if win is not None:
            d = np.abs(sdf(win.U - F32(ox), win.V - F32(oy)))
            self.canvas.shade(F32(1.0) - F32(depth) * clip01(F32(1.0) - d / F32(self.canvas.px * 0.8)), win)


class Furniture(SynthProduct):
    """One piece of furniture with a fixed shape (category, proportions, legs) and colours."""

    def __init__(self, size: int, design: dict[str, str], nuisance: dict[str, str], dims: dict[str, float]):
        self.size, self.design, self.nuisance, self.dims = size, design, nuisance, dims
        self.body = palette.rgb(nuisance["color"])
        self.frame = palette.rgb(nuisance["accent_color"])

    def render(self, rng: np.random.Generator, index: int) -> SynthPhoto:
        side = 1.0 if rng.random() < 0.5 else -1.0
        elev = float(rng.uniform(0.35, 0.8))
        depth_scale = float(rng.uniform(0.38, 0.55))
        k = (side * depth_scale * np.cos(elev), -depth_scale * np.sin(elev))
        x0, y0, x1, y1 = self._project(self._extent(), k)
        y1 += 0.05
        half, depth = self.dims["W"] / 2, self.dims["D"]
        scale = float(rng.uniform(0.85, 1.05))
        angle = float(rng.uniform(-0.05, 0.05))
        shift = (float(rng.uniform(-0.06, 0.06) * self.size), float(rng.uniform(-0.05, 0.05) * self.size))
        units = max(x1 - x0, y1 - y0) * 1.32 / scale
        canvas = Canvas(self.size, View(((x0 + x1) / 2, (y0 + y1) / 2), units, angle, shift))
        info = {"view": "right" if side > 0 else "left", "elevation": round(elev, 3), "angle": round(angle, 4),
                "scale": round(scale, 4), "shift": (round(shift[0], 2), round(shift[1], 2))}
        if rng.random() < 0.5:
            info.update(self._room(canvas, rng, k, depth))
        else:
            info.update(backdrop(canvas, rng, avoid=self.body))
        # a soft contact shadow on the floor under the piece
        if (w := canvas.window((x0 - 0.3, k[1] * depth - 0.2, x1 + 0.3, 0.25))) is not None:
            foot = [(-half, 0.0), (half, 0.0), (half + k[0] * depth, k[1] * depth), (-half + k[0] * depth, k[1] * depth)]
            d = sd_polygon(w.U, w.V, foot)
            canvas.shade(F32(1.0) - F32(0.3) * canvas.alpha(d + F32(0.04), soft=8.0), w)
        painter = _Painter(canvas, k, self._texture(rng))
        DRAW[self.design["category"]](self, painter)
        boxes = {name: canvas.box(self._project(part, k)) for name, part in self._parts().items()}
        image, light = finish_photo(canvas, rng)
        info.update(light)
        return SynthPhoto(image=image, boxes=boxes, mask=painter.mask, nuisance=info)

    # --- surfaces -------------------------------------------------------------------------------------
    def _texture(self, rng: np.random.Generator) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        material = self.nuisance["material"]
        phase = float(rng.uniform(0, 6.3))
        if material == "fabric":
            return lambda U, V: F32(1.0) + F32(0.045) * np.sin(U * F32(60.0)) * np.sin(V * F32(60.0))
        if material == "leather":
            return lambda U, V: F32(1.0) + F32(0.1) * np.cos(U * F32(1.3) + V * F32(0.8) + F32(phase))
        if material == "velvet":
            return lambda U, V: F32(1.0) + F32(0.09) * np.sin(U * F32(3.1) + F32(phase)) * np.cos(V * F32(2.3))
        if material == "wood":
            return lambda U, V: F32(1.0) + F32(0.07) * np.sin(V * F32(40.0) + F32(2.0) * np.sin(U * F32(3.0) + F32(phase)))
        return lambda U, V: np.ones_like(U)

    def _room(self, canvas: Canvas, rng: np.random.Generator, k: tuple[float, float], depth: float) -> dict:
        """A wall and a floor meeting behind the piece."""
        wall = palette.pick_contrasting(rng, palette.WALLS, self.body, 60.0)
        floor = palette.FLOORS[rng.integers(len(palette.FLOORS))]
        line = k[1] * depth * 1.1 - 0.05
        canvas.fill(wall)
        floor_a = canvas.alpha(F32(line) - canvas.V)
        canvas.paint(floor_a, floor)
        if rng.random() < 0.5:  # floor boards
            seams = np.abs(np.sin(canvas.U * F32(4.5))) < F32(0.05)
            canvas.shade(F32(1.0) - F32(0.12) * seams.astype(F32) * floor_a)
        return {"background": "room", "background_rgb": tuple(int(v) for v in wall)}

    # --- regions --------------------------------------------------------------------------------------
    def _parts(self) -> dict[str, tuple[float, float, float, float, float, float]]:
        """The region parts as 3-D boxes ``(x0, x1, y0, y1, z0, z1)``: ``top`` (backrest, tabletop,
        headboard), ``base`` (legs, plinth) and ``side`` (the left end: an arm, the legs and edge)."""
        d, cat = self.dims, self.design["category"]
        W, D, H = d["W"], d["D"], d["H"]
        half = W / 2
        if cat in ("sofa", "arm_chair"):
            leg, back = d["leg_h"], -d["leg_h"] - d["seat_h"]
            return {"top": (-half, half, -H, back, D - 0.34, D), "base": (-half, half, -leg - 0.15, 0.0, 0.0, D),
                    "side": (-half, -half + d["arm_w"], -leg - d["arm_h"], 0.0, 0.0, D)}
        if cat == "dining_chair":
            seat = -d["leg_h"]
            return {"top": (-half, half, -H, seat - 0.1, D - 0.07, D), "base": (-half, half, seat, 0.0, 0.0, D),
                    "side": (-half, -half + 0.2, seat - 0.1, 0.0, 0.0, D)}
        if cat in ("table", "desk"):
            return {"top": (-half, half, -H, -H + 0.28, 0.0, D), "base": (-half, half, -H + 0.28, 0.0, 0.0, D),
                    "side": (-half, -half + 0.5, -H, 0.0, 0.0, D)}
        if cat == "bed":
            leg = d["leg_h"]
            return {"top": (-half, half, -H, -leg - 0.8, D - 0.14, D), "base": (-half, half, -leg - 0.45, 0.0, 0.0, D),
                    "side": (-half, -half + 0.5, -leg - 0.8, 0.0, 0.0, D)}
        if cat == "ottoman":
            return {"top": (-half, half, -H, -H + 0.3, 0.0, D), "base": (-half, half, -d["leg_h"] - 0.1, 0.0, 0.0, D),
                    "side": (-half, -half + 0.4, -H, 0.0, 0.0, D)}
        z = D / 2  # the bean bag is drawn flat, half-way back
        return {"top": (-half * 0.82, half * 0.66, -H, -H * 0.55, z, z), "base": (-half, half, -H * 0.3, 0.0, z, z),
                "side": (-half, -half + 0.4 * W, -H * 0.8, 0.0, z, z)}

    def _extent(self) -> tuple[float, float, float, float, float, float]:
        """The whole piece as one 3-D box."""
        parts = self._parts().values()
        return (min(p[0] for p in parts), max(p[1] for p in parts), min(p[2] for p in parts),
                max(p[3] for p in parts), min(p[4] for p in parts), max(p[5] for p in parts))

    @staticmethod
    def _project(part, k: tuple[float, float]) -> Box:
        """The front-plane bounding box of a 3-D box under the oblique projection ``k``."""
        x0, x1, y0, y1, z0, z1 = part
        kx, ky = k
        return (x0 + min(z0 * kx, z1 * kx), y0 + max(z0, z1) * ky, x1 + max(z0 * kx, z1 * kx), y1 + min(z0, z1) * ky)


# --- the pieces ------------------------------------------------------------------------------------------

def _seating(f: Furniture, p: _Painter) -> None:
    """Sofa and arm chair: legs, back, seat with cushions, arms."""
    d = f.dims
    W, D, H, arm_w, leg_h = d["W"], d["D"], d["H"], d["arm_w"], d["leg_h"]
    half, back_d = W / 2, 0.34
    legs, style = f.frame, f.design["leg_style"]
    for x in (-half + 0.12, half - 0.12):
        p.leg(style, x, -leg_h, D - 0.12, legs, 0.8)
    p.cuboid(-half, half, -H, -leg_h, D - back_d, D, f.body)
    seat_top = -leg_h - d["seat_h"]
    p.cuboid(-half + arm_w, half - arm_w, seat_top, -leg_h, 0.0, D - back_d, f.body)
    n = int(d["cushions"])
    inner = W - 2 * arm_w
    for i in range(1, n):  # cushion seams on the seat front and on the back
        x = -half + arm_w + inner * i / n
        p.lines((x - 0.05, seat_top, x + 0.05, -leg_h), lambda U, V, x=x: U - F32(x))
        p.lines((x - 0.05, -H, x + 0.05, seat_top), lambda U, V, x=x: U - F32(x), z=D - back_d)
    order = (-1, 1) if p.kx > 0 else (1, -1)
    for s in order:
        x0 = -half if s < 0 else half - arm_w
        p.cuboid(x0, x0 + arm_w, -leg_h - d["arm_h"], -leg_h, 0.0, D, f.body, 1.02)
    for x in (-half + 0.12, half - 0.12):
        p.leg(style, x, -leg_h, 0.12, legs)


def _dining_chair(f: Furniture, p: _Painter) -> None:
    d = f.dims
    W, D, H, seat_y = d["W"], d["D"], d["H"], -d["leg_h"]
    half, t = W / 2, 0.07
    style = f.design["leg_style"]
    for x in (-half + t, half - t):
        p.leg(style, x, seat_y, D - t, f.frame, 0.8, width=0.07)
    # back: two posts, a top rail and slats (or a panel)
    for x in (-half + t / 2, half - t / 2):
        p.cuboid(x - t / 2, x + t / 2, -H, seat_y, D - t, D, f.frame)
    p.cuboid(-half, half, -H, -H + 0.22, D - t, D, f.frame)
    if d["slats"] > 0:
        n = int(d["slats"])
        for i in range(n):
            x = -half + t + (W - 2 * t) * (i + 0.5) / n
            p.cuboid(x - 0.03, x + 0.03, -H + 0.22, seat_y - 0.1, D - t * 0.8, D - t * 0.2, f.frame, 0.95)
    else:
        p.cuboid(-half + t, half - t, -H + 0.22, seat_y - 0.35, D - t * 0.8, D - t * 0.2, f.body)
    p.cuboid(-half, half, seat_y - 0.1, seat_y, 0.0, D, f.body)
    for x in (-half + t, half - t):
        p.leg(style, x, seat_y, t, f.frame, width=0.07)


def _table(f: Furniture, p: _Painter) -> None:
    d = f.dims
    W, D, H = d["W"], d["D"], d["H"]
    half, style = W / 2, f.design["leg_style"]
    for x in (-half + 0.15, half - 0.15):
        p.leg(style, x, -H + 0.12, D - 0.15, f.frame, 0.8, width=0.12)
    p.cuboid(-half + 0.08, half - 0.08, -H + 0.1, -H + 0.28, 0.08, D - 0.08, f.body, 0.9)  # apron
    p.cuboid(-half, half, -H, -H + 0.1, 0.0, D, f.body)
    for x in (-half + 0.15, half - 0.15):
        p.leg(style, x, -H + 0.12, 0.15, f.frame, width=0.12)


def _desk(f: Furniture, p: _Painter) -> None:
    d = f.dims
    W, D, H = d["W"], d["D"], d["H"]
    half, style = W / 2, f.design["leg_style"]
    ped = d["pedestal_w"]
    px0 = half - ped if d["pedestal_side"] > 0 else -half
    leg_x = -half + 0.12 if d["pedestal_side"] > 0 else half - 0.12
    p.leg(style, leg_x, -H + 0.1, D - 0.12, f.frame, 0.8, width=0.1)
    p.cuboid(px0 + 0.04, px0 + ped - 0.04, -H + 0.1, 0.0, 0.05, D - 0.05, f.body, 0.97)
    n = int(d["drawers"])
    for i in range(1, n):
        y = -H + 0.1 + (H - 0.1) * i / n
        p.lines((px0, y - 0.05, px0 + ped, y + 0.05), lambda U, V, y=y: V - F32(y), z=0.05)
    for i in range(n):
        y = -H + 0.1 + (H - 0.1) * (i + 0.35) / n
        cx = px0 + ped / 2
        p.flat((cx - 0.14, y - 0.03, cx + 0.14, y + 0.03),
               lambda U, V, y=y, cx=cx: sd_box(U, V, cx - 0.12, y - 0.018, cx + 0.12, y + 0.018, 0.015),
               f.frame, 0.7, z=0.05, edge=0.0)
    p.cuboid(-half, half, -H, -H + 0.1, 0.0, D, f.body)
    p.leg(style, leg_x, -H + 0.1, 0.12, f.frame, width=0.1)


def _bed(f: Furniture, p: _Painter) -> None:
    d = f.dims
    W, D, H = d["W"], d["D"], d["H"]
    half, style = W / 2, f.design["leg_style"]
    leg_h = d["leg_h"]
    p.cuboid(-half, half, -H, -leg_h, D - 0.14, D, f.body)  # headboard
    for x in (-half + 0.1, half - 0.1):
        p.leg(style, x, -leg_h, D - 0.3, f.frame, 0.8, width=0.1)
    p.cuboid(-half, half, -leg_h - 0.45, -leg_h, 0.0, D - 0.14, f.frame)  # frame
    linen = palette.rgb("white")
    mattress_top = -leg_h - 0.8
    p.cuboid(-half + 0.06, half - 0.06, mattress_top, -leg_h - 0.45, 0.05, D - 0.16, linen * F32(0.97))
    for s in (-1, 1):  # pillows near the headboard
        cx = s * W / 4
        p.flat((cx - W / 4.6, mattress_top - 0.28, cx + W / 4.6, mattress_top + 0.04),
               lambda U, V, cx=cx: sd_box(U, V, cx - W / 5, mattress_top - 0.26, cx + W / 5, mattress_top + 0.02, 0.1),
               linen, 1.05, z=D - 0.55)
    blanket = np.asarray(f.body, F32) * F32(0.55) + linen * F32(0.45)
    p.cuboid(-half + 0.02, half - 0.02, mattress_top - 0.02, -leg_h - 0.35, 0.0, D * 0.62, blanket)
    for x in (-half + 0.1, half - 0.1):
        p.leg(style, x, -leg_h, 0.12, f.frame, width=0.1)


def _ottoman(f: Furniture, p: _Painter) -> None:
    d = f.dims
    W, D, H, leg_h = d["W"], d["D"], d["H"], d["leg_h"]
    half, style = W / 2, f.design["leg_style"]
    for x in (-half + 0.12, half - 0.12):
        p.leg(style, x, -leg_h, D - 0.12, f.frame, 0.8, width=0.08)
    p.cuboid(-half, half, -H, -leg_h, 0.0, D, f.body)
    # tufting buttons on the top face: a grid in (x, z), projected
    kx, ky = p.kx, p.ky
    win = p.canvas.window((-half + min(0, kx * D), -H + ky * D, half + max(0, kx * D), -H))
    if win is not None:
        z = (win.V - F32(-H)) / F32(ky)
        x = win.U - z * F32(kx)
        gx, gz = W / 3, D / 2
        cx = (np.floor(x / F32(gx) + F32(0.5))) * F32(gx)
        cz = (np.floor(z / F32(gz)) + F32(0.5)) * F32(gz)
        dd = np.hypot((x - cx), (z - cz) * F32(abs(ky))) - F32(0.03)
        inside = ((z > 0.1) & (z < D - 0.1) & (np.abs(x) < half - 0.1)).astype(F32)
        p.canvas.shade(F32(1.0) - F32(0.45) * p.canvas.alpha(dd) * inside, win)
    for x in (-half + 0.12, half - 0.12):
        p.leg(style, x, -leg_h, 0.12, f.frame, width=0.08)


def _bean_bag(f: Furniture, p: _Painter) -> None:
    """A slouched pear: a wide base, a smaller top leaning back, a seat dent and round shading."""
    d = f.dims
    W, H = d["W"], d["H"]
    r = W / 2

    def shape(U, V):
        lower = sd_ellipse(U, V, 0.0, -H * 0.34, r, H * 0.34)
        upper = sd_ellipse(U, V, -r * 0.08, -H * 0.66, r * 0.74, H * 0.34)
        return union(lower, upper)

    z = d["D"] / 2
    win = p.flat((-r, -H, r, 0.0), shape, f.body, 1.0, z=z)
    if win is not None:
        U, V = win.U - F32(z * p.kx), win.V - F32(z * p.ky)
        a = p.canvas.alpha(shape(U, V))
        light = F32(1.15) - F32(0.45) * clip01(((U + F32(r * 0.35)) / F32(1.3 * r)) ** 2
                                              + ((V + F32(H * 0.75)) / F32(1.1 * H)) ** 2)
        p.canvas.shade(F32(1.0) + a * (light - F32(1.0)), win)
        seat = sd_ellipse(U, V, r * 0.05, -H * 0.52, r * 0.55, H * 0.16)  # the sitting hollow: soft, no line
        hollow = clip01(-seat / F32(H * 0.16)) * F32(0.22)
        p.canvas.shade(F32(1.0) - a * hollow, win)


DRAW: dict[str, Callable[[Furniture, _Painter], None]] = {
    "sofa": _seating, "arm_chair": _seating, "dining_chair": _dining_chair, "table": _table, "desk": _desk,
    "bed": _bed, "ottoman": _ottoman, "bean_bag": _bean_bag,
}


def _dims(rng: np.random.Generator, category: str, leg_style: str) -> dict[str, float]:
    """Proportions of one piece (part of its design: fixed across its photos)."""
    u = rng.uniform
    leg = {"block": 0.14, "hairpin": 0.3}.get(leg_style, 0.22)
    if category == "sofa":
        return {"W": u(3.2, 4.2), "D": u(1.2, 1.45), "H": u(1.75, 2.05), "arm_w": u(0.28, 0.4), "leg_h": leg,
                "seat_h": u(0.5, 0.65), "arm_h": u(0.85, 1.1), "cushions": float(rng.integers(2, 4))}
    if category == "arm_chair":
        return {"W": u(1.6, 2.0), "D": u(1.2, 1.45), "H": u(1.7, 2.0), "arm_w": u(0.25, 0.35), "leg_h": leg,
                "seat_h": u(0.5, 0.65), "arm_h": u(0.85, 1.1), "cushions": 1.0}
    if category == "dining_chair":
        return {"W": u(0.9, 1.05), "D": u(0.85, 1.0), "H": u(2.2, 2.6), "leg_h": u(0.85, 0.95),
                "slats": float(rng.choice([0, 3, 4]))}
    if category == "table":
        return {"W": u(2.6, 3.4), "D": u(1.3, 1.6), "H": u(1.45, 1.6)}
    if category == "desk":
        return {"W": u(2.4, 3.0), "D": u(1.0, 1.2), "H": u(1.45, 1.6), "pedestal_w": u(0.7, 0.9),
                "pedestal_side": float(rng.choice([-1, 1])), "drawers": float(rng.integers(2, 5))}
    if category == "bed":
        return {"W": u(2.6, 3.2), "D": u(2.8, 3.4), "H": u(1.9, 2.4), "leg_h": 0.12 if leg_style == "block" else 0.2}
    if category == "ottoman":
        return {"W": u(1.3, 1.9), "D": u(0.9, 1.2), "H": u(0.75, 0.95), "leg_h": {"block": 0.1, "hairpin": 0.2}.get(leg_style, 0.16)}
    if category == "bean_bag":
        return {"W": u(1.5, 1.9), "D": 1.2, "H": u(1.3, 1.6)}
    raise ValueError(f"unknown furniture category {category!r}")


def furniture_generator(rng: np.random.Generator, size: int, **options) -> Furniture:
    """Draw one piece: its category (the shape), its leg style and proportions; colour and material."""
    category = str(rng.choice(CATEGORIES))
    leg_style = "none" if category == "bean_bag" else str(rng.choice(LEG_STYLES))
    dims = _dims(rng, category, leg_style)
    material = str(rng.choice(MATERIALS["hard" if category in _HARD else "soft"]))
    color = str(rng.choice(palette.COLOR_NAMES))
    accent = palette.pick_accent(rng, color, 120.0, palette.FRAME_COLORS)
    return Furniture(size, {"category": category, "leg_style": leg_style},
                     {"color": color, "accent_color": accent, "material": material}, dims)
