"""Gaussian blur with a per-sample sigma and a per-sample kernel size.

Each sample is blurred with its own sigma and a kernel of :func:`kernel_size_for` its own sigma (3 sigmas
each side), so a sample's pixels do not depend on the rest of the batch, and a sigma of 0.3 costs 3
taps, not the 13 of the largest sigma drawn. Samples are grouped by kernel size; each group is one
batched call:

* on the CPU, a separable shift-and-add: the reflect-padded sample is multiplied by each tap's
  per-sample weight and accumulated (``addcmul_``), one pass per tap and direction, in chunks of a few
  samples that stay in cache. Its cost grows with the kernel size, unlike PyTorch's grouped convolution,
  whose per-group overhead dominates on the CPU (``benchmarks/ops_bench.py``);
* elsewhere (CUDA), Kornia's separable ``gaussian_blur2d`` per group (one grouped convolution).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from skill_aug.ops import device as _device

#: a kernel covers this many sigmas on each side of its centre
TRUNCATE = 3.0
#: bytes of float pixels one CPU blur chunk touches (kept in the processor's cache)
CHUNK_BYTES = 1 << 20


def kernel_size_for(max_sigma: float, side: int, truncate: float = TRUNCATE) -> int:
    """Odd kernel size covering ``truncate`` sigmas of ``max_sigma`` each side, at most ``2 * side - 1``."""
    k = 2 * math.ceil(truncate * max_sigma) + 1
    return max(1, min(k, 2 * side - 1))


def kernel_sizes(sigma: torch.Tensor, side: int, truncate: float = TRUNCATE) -> torch.Tensor:
    """:func:`kernel_size_for` of every sigma in ``sigma`` (``(B,)``), as a ``(B,)`` long tensor."""
    k = 2 * torch.ceil(truncate * sigma.double()).long() + 1
    return k.clamp(1, max(1, 2 * side - 1))


def gaussian_kernels(sigma: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """``(B, kernel_size)`` normalised 1-D Gaussian weights, one row per sigma."""
    r = kernel_size // 2
    xs = torch.arange(-r, r + 1, dtype=sigma.dtype, device=sigma.device)
    w = torch.exp(-(xs.view(1, -1) ** 2) / (2 * sigma.view(-1, 1) ** 2))
    return w / w.sum(dim=1, keepdim=True)


def _shift_add(x: torch.Tensor, w: torch.Tensor, dim: int) -> None:
    """Blur ``x`` (``(n, C, H, W)``) in place along ``dim`` (2 or 3) with per-sample weights ``w`` (``(n, k)``)."""
    k = w.shape[1]
    r = k // 2
    pad = (r, r, 0, 0) if dim == 3 else (0, 0, r, r)
    xp = F.pad(x, pad, mode="reflect")
    n = x.shape[dim]
    taps = w.view(w.shape[0], 1, 1, 1, k)
    torch.mul(xp.narrow(dim, r, n), taps[..., r], out=x)
    for j in range(1, r + 1):  # symmetric kernel: both neighbours at distance j share a weight
        x.addcmul_(xp.narrow(dim, r - j, n), taps[..., r + j])
        x.addcmul_(xp.narrow(dim, r + j, n), taps[..., r + j])


def _blur_group_cpu(x: torch.Tensor, sigma: torch.Tensor, k: int) -> torch.Tensor:
    n, c, h, w_ = x.shape
    w = gaussian_kernels(sigma.to(x.dtype), k).repeat_interleave(c, dim=0)
    planes = x.view(n * c, 1, h, w_)  # one image plane at a time fits the core's cache even at 224 px
    step = max(1, CHUNK_BYTES // max(h * w_ * x.element_size(), 1))
    for a in range(0, n * c, step):
        chunk = planes[a:a + step]
        _shift_add(chunk, w[a:a + step], 3)
        _shift_add(chunk, w[a:a + step], 2)
    return x


def _blur_group_kornia(x: torch.Tensor, sigma: torch.Tensor, k: int) -> torch.Tensor:
    from kornia.filters import gaussian_blur2d

    s = sigma.to(x.dtype).view(-1, 1).expand(-1, 2)
    return gaussian_blur2d(x, (k, k), s, border_type="reflect", separable=True)


def _clamp(x: torch.Tensor, bounds: tuple[list[float], list[float]]) -> None:
    for c, (lo, hi) in enumerate(zip(*bounds)):  # scalar bounds per channel: tensor bounds are several times slower
        x[:, c].clamp_(lo, hi)


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor, kernel_size: int | None = None,
                  sizes: list[int] | None = None, inplace: bool = False,
                  bounds: tuple[list[float], list[float]] | None = None) -> torch.Tensor:
    """Blur each sample of ``x`` (``(B, C, H, W)`` float) with its own ``sigma`` (``(B,)``), reflect padding.

    ``kernel_size=None`` (the default) sizes each sample's kernel to its own sigma; an int uses that size
    for every sample. ``sizes`` may instead give each sample's kernel size from the host (no device sync);
    a size of 1 (or less) leaves that sample as it is, which is how a caller blurs only some samples.
    ``inplace=True`` writes into ``x``; ``bounds=(low, high)``, one float per channel, clamps the blurred
    samples (float error can overshoot the input range by an ulp).
    """
    b = x.shape[0]
    out = x if inplace else x.clone()
    if b == 0:
        return out
    side = min(x.shape[-2:])
    if kernel_size is not None:
        sizes = [min(max(1, int(kernel_size)), 2 * side - 1)] * b
    elif sizes is None:
        sizes = kernel_sizes(sigma, side).tolist()
    groups: dict[int, list[int]] = {}
    for i, k in enumerate(sizes):
        if k > 1:
            groups.setdefault(int(k), []).append(i)
    blur = _blur_group_cpu if _device.cpu_kernels(x.device) else _blur_group_kornia
    for k, rows in groups.items():
        if len(rows) == b:
            res = blur(out, sigma, k)
            if bounds is not None:
                _clamp(res, bounds)
            if res is not out:
                out.copy_(res)
            continue
        idx = torch.tensor(rows, device=x.device)
        res = blur(out.index_select(0, idx), sigma.index_select(0, idx), k)
        if bounds is not None:
            _clamp(res, bounds)
        out.index_copy_(0, idx, res)
    return out
