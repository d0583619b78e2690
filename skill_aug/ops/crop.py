"""Crop boxes out of differently sized uint8 sources and resize them to one output size."""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from skill_aug.ops import device as _device


def _int_box(box: Sequence[float], h: int, w: int) -> tuple[int, int, int, int]:
    """Round a float box to whole pixels inside an ``h x w`` image, at least one pixel a side."""
    x0 = min(max(int(math.floor(box[0] + 1e-6)), 0), w - 1)
    y0 = min(max(int(math.floor(box[1] + 1e-6)), 0), h - 1)
    x1 = min(max(int(math.ceil(box[2] - 1e-6)), x0 + 1), w)
    y1 = min(max(int(math.ceil(box[3] - 1e-6)), y0 + 1), h)
    return x0, y0, x1, y1


def crop_resize(sources: Sequence[torch.Tensor], boxes: Sequence[Sequence[float]], size: int,
                out: torch.Tensor | None = None, uint8_resize: bool | None = None,
                flips: Sequence[bool] | None = None) -> torch.Tensor:
    """``out[i]`` = ``sources[i]`` cropped to ``boxes[i]`` and resized to ``size x size`` (bilinear, antialiased).

    ``flips[i]`` true mirrors sample ``i`` horizontally on the way (a flip of one small crop inside the
    loop costs far less than a batched flip of the whole output afterwards).

    ``sources`` are ``(3, H, W)`` tensors, one per output sample (the same tensor may repeat), and
    ``boxes`` host-side ``(x0, y0, x1, y1)`` in source pixels (rounded out to whole pixels). This is the
    one per-sample loop of the space (source sizes differ).

    * uint8 sources on the CPU: the resize runs directly on uint8 (PyTorch's antialiased bilinear uint8
      path; measured 14-15 ms vs 15-39 ms in float for 32 crops to 224 px, ``benchmarks/ops_bench.py``);
      the result is uint8.
    * uint8 sources elsewhere (uint8 interpolation is CPU-only), or ``uint8_resize=False``: each crop is
      resized in float and rounded back to uint8.
    * float sources (0..255, e.g. photos uploaded to the GPU and converted once): float in, float32 out,
      two kernels per sample.
    """
    if not sources:
        raise ValueError("crop_resize needs at least one source")
    device = sources[0].device
    is_float = sources[0].is_floating_point()
    if uint8_resize is None:
        uint8_resize = _device.cpu_kernels(device)
    if out is None:
        out = torch.empty(len(sources), 3, size, size, dtype=torch.float32 if is_float else torch.uint8,
                          device=device)
    with _one_thread(_device.cpu_kernels(device)):
        _crop_loop(sources, boxes, size, out, is_float, uint8_resize, flips)
    return out


@contextmanager
def _one_thread(active: bool):
    """Run the per-crop loop with one intra-op thread on the CPU.

    Each crop is a small kernel; splitting it over threads costs more than it saves, and on a busy
    machine (DataLoader workers decoding on the other cores) the thread hand-offs stall: measured on 2
    cores with other processes running, 32 crops to 224 px took 711 ms with 2 threads vs 14 ms with one.
    """
    if not active:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _crop_loop(sources, boxes, size, out, is_float, uint8_resize, flips) -> None:
    for i, (src, box) in enumerate(zip(sources, boxes)):
        h, w = src.shape[-2:]
        x0, y0, x1, y1 = _int_box(box, h, w)
        crop = src[:, y0:y1, x0:x1].unsqueeze(0)
        if crop.shape[-2:] == (size, size):
            r = crop[0]
        elif is_float or uint8_resize:
            r = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]
        else:
            r = F.interpolate(crop.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
            r = r[0].round_().clamp_(0, 255).to(torch.uint8)
        out[i] = r.flip(-1) if flips is not None and flips[i] else r


def flip(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Horizontally flip the samples of ``x`` (``(B, C, H, W)``) where ``mask`` (``(B,)`` bool) is true."""
    return torch.where(mask.view(-1, 1, 1, 1), x.flip(-1), x)
