"""Colour jitter and grayscale as one per-sample affine colour transform.

Brightness, contrast, saturation, hue and grayscale are all (close to) linear maps of the RGB vector
of a pixel, so a sample's whole photometric chain is one 3x3 matrix ``M`` plus an offset ``b``:
``out = clamp(M @ rgb + b, 0, 1)``, applied to the batch in a single ``baddbmm`` pass (with the
normalisation ``(v - mean) / std`` folded into ``M`` and ``b`` when asked, see :func:`apply_color`).

* brightness ``f``: ``f * I``;
* contrast ``f``: ``f * I`` plus offset ``(1 - f) * mean gray`` of the image at that point of the chain,
  which is itself linear in the per-channel input mean, so it is exact without a second pass;
* saturation ``f``: blend with the gray image, ``f * I + (1 - f) * 1 w^T``;
* hue ``h``: a rotation by ``2 pi h`` of the chroma plane in YIQ space, ``T^-1 R T`` (luma preserved);
* grayscale: ``1 w^T`` (all three rows equal, so the output has R = G = B exactly).

How this differs from torchvision's ``ColorJitter``: torchvision clamps to ``[0, 1]`` after every op,
rotates hue in HSV (a non-linear, piecewise map that keeps the max channel, where YIQ keeps luma) and
applies the four ops in a random order per call. Here the chain is clamped once at the end and the hue
rotation is the linear YIQ approximation; without intermediate clamps the four linear ops commute
(each maps gray to gray and keeps the mean gray), so no order is drawn: torchvision's order only matters
through its clamps and HSV. For moderate factors the results agree closely (brightness, contrast and
saturation exactly where nothing clamps); strong, saturating jitter keeps a little more out-of-range
information here, and large hue shifts of saturated colours differ most.

Why a kernel of our own: Kornia's ``ColorJitter`` + ``RandomGrayscale`` + ``Normalize`` was the bottleneck
of the space; this pass is about 30x faster on the CPU (``benchmarks/ops_bench.py``, numbers in
docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from skill_aug.ops import device as _device

#: ITU-R 601 luma weights, as torchvision's rgb_to_grayscale uses
GRAY_WEIGHTS = (0.2989, 0.587, 0.114)

_RGB_TO_YIQ = ((0.299, 0.587, 0.114), (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))
_YIQ_TO_RGB = tuple(map(tuple, np.linalg.inv(np.array(_RGB_TO_YIQ)).tolist()))  # host constant: no device solve


def _hue_matrices(hue: torch.Tensor) -> torch.Tensor:
    """``(B, 3, 3)`` RGB matrices rotating the chroma (I, Q) plane by ``2 pi hue``."""
    t = torch.tensor(_RGB_TO_YIQ, dtype=hue.dtype, device=hue.device)
    t_inv = torch.tensor(_YIQ_TO_RGB, dtype=hue.dtype, device=hue.device)
    theta = 2 * math.pi * hue
    cos, sin = torch.cos(theta), torch.sin(theta)
    rot = torch.zeros(hue.shape[0], 3, 3, dtype=hue.dtype, device=hue.device)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2] = cos, sin
    rot[:, 2, 1], rot[:, 2, 2] = -sin, cos
    return t_inv @ rot @ t


def color_affine(mean_rgb: torch.Tensor, *, jitter: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor,
                 saturation: torch.Tensor, hue: torch.Tensor, gray: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Compose each sample's colour chain into ``(M, b)``: ``(B, 3, 3)`` and ``(B, 3)``.

    ``mean_rgb`` is ``(B, 3)``, the per-channel mean of each input (in ``[0, 1]``), needed for contrast.
    Where ``jitter`` is true: ``M = f_b f_c H S`` and ``b = (1 - f_c) f_b (w . mean) 1`` (brightness,
    contrast, saturation, hue; in this linear model the four commute, see the module docstring); where
    ``gray`` is true the result is then mapped to gray.
    """
    b, dtype, device = mean_rgb.shape[0], mean_rgb.dtype, mean_rgb.device
    eye = torch.eye(3, dtype=dtype, device=device).expand(b, 3, 3)
    w = torch.tensor(GRAY_WEIGHTS, dtype=dtype, device=device)
    to_gray = w.expand(3, 3)  # every row = w: rgb -> (y, y, y)
    f_b, f_c, f_s = (v.to(dtype).view(b, 1, 1) for v in (brightness, contrast, saturation))
    sat = f_s * eye + (1 - f_s) * to_gray
    m = (f_b * f_c) * (_hue_matrices(hue.to(dtype)) @ sat)
    off = ((1 - f_c) * f_b).view(b, 1) * (mean_rgb @ w).view(b, 1) * torch.ones(1, 3, dtype=dtype, device=device)
    on = jitter.view(b, 1, 1)
    m = torch.where(on, m, eye)
    off = torch.where(on.view(b, 1), off, torch.zeros_like(off))
    g = gray.view(b, 1, 1)
    m = torch.where(g, to_gray @ m, m)
    off = torch.where(g.view(b, 1), (off @ w).view(b, 1).expand(b, 3), off)
    return m, off


#: bytes of float pixels one colour chunk touches (kept in the processor's cache)
CHUNK_BYTES = 1 << 20


def _chunk(x: torch.Tensor) -> int:
    """Samples per chunk: a few on the CPU (the float temporaries stay in cache), all of them elsewhere."""
    if not _device.cpu_kernels(x.device):
        return max(1, x.shape[0])
    return max(1, CHUNK_BYTES // max(x[0].numel() * 4, 1))


def clamp_bounds(mean: Sequence[float] | None = None, std: Sequence[float] | None = None
                 ) -> tuple[list[float], list[float]]:
    """Per-channel ``(low, high)``: where 0 and 1 land after normalising with ``mean`` and ``std``."""
    if mean is None:
        return [0.0] * 3, [1.0] * 3
    return [-m / s for m, s in zip(mean, std)], [(1 - m) / s for m, s in zip(mean, std)]


def channel_means(x: torch.Tensor) -> torch.Tensor:
    """``(B, C)`` float32 per-channel means of ``x`` (``(B, C, H, W)``, float or uint8, in its own units).

    uint8 input is converted a chunk at a time into a small reused buffer, never as a whole float copy."""
    if x.is_floating_point():
        return x.float().mean(dim=(2, 3))
    bsz, ch, h, w = x.shape
    out = torch.empty(bsz, ch, dtype=torch.float32, device=x.device)
    step = _chunk(x)
    tmp = torch.empty(min(step, bsz), ch, h * w, dtype=torch.float32, device=x.device)
    for a in range(0, bsz, step):
        t = tmp[:min(step, bsz - a)]
        t.view(-1, ch, h, w).copy_(x[a:a + step])  # any layout (channels-last crops) -> planar float
        torch.mean(t, dim=-1, out=out[a:a + step])
    return out


def apply_color(x: torch.Tensor, matrix: torch.Tensor, offset: torch.Tensor, scale: float = 1.0,
                mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                out: torch.Tensor | None = None) -> torch.Tensor:
    """``clamp(matrix @ (scale * x) + offset, 0, 1)`` per pixel, in one batched pass; returns float32.

    ``x`` is ``(B, 3, H, W)``: uint8 (e.g. with ``scale=1/255``) or float (0..255 with ``scale=1/255``,
    or [0, 1] with ``scale=1``). With ``mean`` and ``std`` the result is also normalised,
    ``(v - mean) / std``, folded into the matrix and offset (the clamp moves to the normalised images of
    0 and 1), so normalisation costs no extra pass. ``out`` may be a float tensor to write into (not
    ``x`` itself).

    On the CPU the batch goes through in chunks of a few samples: each chunk is converted to float in a
    small reused buffer, multiplied straight into ``out`` and clamped there while it is still in cache,
    so the only large write is the result (a whole float copy of a batch, or a clamp with tensor bounds,
    each cost more than the matrix product).
    """
    bsz, ch, h, w = x.shape
    convert = not x.is_floating_point()
    flat = x if convert else x.reshape(bsz, ch, h * w)  # uint8 is converted chunk by chunk, in any layout
    dtype = torch.float32 if convert else x.dtype
    if out is None:
        out = torch.empty(bsz, ch, h, w, dtype=dtype, device=x.device)
    elif out.data_ptr() == x.data_ptr() and bsz:
        raise ValueError("apply_color cannot write into its input; pass a new tensor as out")
    res = out.view(bsz, ch, h * w)
    m = matrix.to(dtype) * scale
    off = offset.to(dtype).unsqueeze(-1)
    lo, hi = clamp_bounds(mean, std)
    if mean is not None:
        sd = torch.tensor(std, dtype=dtype, device=x.device).view(1, 3, 1)
        m = m / sd
        off = (off - torch.tensor(mean, dtype=dtype, device=x.device).view(1, 3, 1)) / sd
    if bsz == 0:
        return out
    step = _chunk(x)
    src = torch.empty(min(step, bsz), ch, h * w, dtype=dtype, device=x.device) if convert else None
    for a in range(0, bsz, step):
        b = min(a + step, bsz)
        chunk = flat[a:b]
        if src is not None:
            chunk = src[:b - a]
            chunk.view(-1, ch, h, w).copy_(flat[a:b])
        torch.baddbmm(off[a:b], m[a:b], chunk, out=res[a:b])
        for c in range(ch):  # scalar bounds per channel: a clamp with tensor bounds is several times slower
            res[a:b, c].clamp_(lo[c], hi[c])
    return out
