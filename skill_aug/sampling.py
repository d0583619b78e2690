"""Parameter sampling for the augmentation space: every random choice as a batched tensor.

Nothing here touches pixels. Each function draws one quantity for a whole batch at once from a
``torch.Generator`` on the target device, so that sampling is reproducible from a seed and the result
(:class:`ViewParams`, gathered into :class:`SpaceParams`) can be passed back to replay the exact same
pixels. Randomness is per sample: every row of every tensor is drawn independently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch

@dataclass
class ViewParams:
    """Random choices for one group of views (one view per sample), all tensors of length ``B``.

    Attributes:
        photo: ``(B,)`` long, index of the product photo the view is cut from.
        box: ``(B, 4)`` float, crop box ``(x0, y0, x1, y1)`` in source pixels of that photo.
        flip: ``(B,)`` bool, horizontal flip.
        jitter: ``(B,)`` bool, colour jitter on.
        brightness, contrast, saturation: ``(B,)`` float multiplicative factors (1 = unchanged).
        hue: ``(B,)`` float hue shift as a fraction of the full circle, in ``[-0.5, 0.5]``.
        gray: ``(B,)`` bool, grayscale (after the jitter).
        blur: ``(B,)`` bool, Gaussian blur on.
        sigma: ``(B,)`` float, blur standard deviation in output pixels.
        solarize: ``(B,)`` bool, invert pixels at or above 0.5 (after the blur).
    """

    photo: torch.Tensor
    box: torch.Tensor
    flip: torch.Tensor
    jitter: torch.Tensor
    brightness: torch.Tensor
    contrast: torch.Tensor
    saturation: torch.Tensor
    hue: torch.Tensor
    gray: torch.Tensor
    blur: torch.Tensor
    sigma: torch.Tensor
    solarize: torch.Tensor

    def __len__(self) -> int:
        return int(self.photo.shape[0])

    def to(self, device: torch.device | str) -> "ViewParams":
        return ViewParams(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @staticmethod
    def cat(parts: list["ViewParams"]) -> "ViewParams":
        """Several groups stacked along the batch dimension (to process same-size views together)."""
        return ViewParams(**{f.name: torch.cat([getattr(p, f.name) for p in parts]) for f in fields(ViewParams)})


@dataclass
class SpaceParams:
    """Every random choice of one call of the augmentation space.

    ``global_high[k]``, ``global_low[k]`` and ``local[region]`` each hold the :class:`ViewParams` of one
    output tensor. Pass the object back (``space(products, params=...)``) to replay identical pixels.
    """

    global_high: list[ViewParams]
    global_low: list[ViewParams]
    local: dict[str, ViewParams]

    @property
    def batch_size(self) -> int:
        return len(self.global_high[0]) if self.global_high else 0

    def groups(self) -> list[ViewParams]:
        return [*self.global_high, *self.global_low, *self.local.values()]

    def to(self, device: torch.device | str) -> "SpaceParams":
        return SpaceParams([v.to(device) for v in self.global_high], [v.to(device) for v in self.global_low],
                           {k: v.to(device) for k, v in self.local.items()})


# --- primitive draws -------------------------------------------------------------------------------

def uniform(lo: float, hi: float, n: int, generator: torch.Generator | None, device) -> torch.Tensor:
    """``n`` floats uniform in ``[lo, hi)``."""
    return lo + (hi - lo) * torch.rand(n, generator=generator, device=device)


def bernoulli(p: float, n: int, generator: torch.Generator | None, device) -> torch.Tensor:
    """``n`` booleans, each true with probability ``p``."""
    return torch.rand(n, generator=generator, device=device) < p


def photo_pair(n_photos: torch.Tensor, distinct: bool,
               generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Two photo indices per product: ``x'`` uniform, ``x''`` uniform among the *other* photos.

    With ``distinct=False``, or for a product with a single photo, ``x'' = x'``.
    """
    n = n_photos.to(torch.float32)
    u = torch.rand(2, n.shape[0], generator=generator, device=n_photos.device)
    first = (u[0] * n).long().clamp_max(n_photos - 1)
    if not distinct:
        return first, first
    others = (n - 1).clamp_min(1)
    step = 1 + (u[1] * others).long().clamp_max(others.long() - 1)
    second = torch.where(n_photos > 1, (first + step) % n_photos, first)
    return first, second


def resized_crop(sizes: torch.Tensor, scale: tuple[float, float], ratio: tuple[float, float],
                 generator: torch.Generator | None, attempts: int = 10) -> torch.Tensor:
    """Integer crop boxes as torchvision's ``RandomResizedCrop`` draws them, for a batch at once.

    ``sizes`` is ``(B, 2)`` (height, width) of each source. Each sample tries ``attempts`` (area
    fraction, log-uniform aspect ratio) draws and keeps the first that fits; a sample with none
    falls back to the largest centred crop within ``ratio``. Returns ``(B, 4)`` float boxes.
    """
    device = sizes.device
    b = sizes.shape[0]
    h, w = sizes[:, 0:1].float(), sizes[:, 1:2].float()
    area = (h * w) * uniform(scale[0], scale[1], b * attempts, generator, device).view(b, attempts)
    log_r = uniform(math.log(ratio[0]), math.log(ratio[1]), b * attempts, generator, device).view(b, attempts)
    r = torch.exp(log_r)
    cw = torch.round(torch.sqrt(area * r))
    ch = torch.round(torch.sqrt(area / r))
    ok = (cw > 0) & (ch > 0) & (cw <= w) & (ch <= h)
    first = torch.argmax(ok.to(torch.uint8), dim=1, keepdim=True)  # first valid attempt (0 when none)
    any_ok = ok.any(dim=1, keepdim=True)
    cw, ch = cw.gather(1, first), ch.gather(1, first)
    # fallback: centre crop of the whole image at the closest allowed aspect ratio
    in_r = w / h
    fw = torch.where(in_r < ratio[0], w, torch.where(in_r > ratio[1], torch.round(h * ratio[1]), w))
    fh = torch.where(in_r < ratio[0], torch.round(w / ratio[0]), torch.where(in_r > ratio[1], h, h))
    cw, ch = torch.where(any_ok, cw, fw), torch.where(any_ok, ch, fh)
    u = torch.rand(b, 2, generator=generator, device=device)
    x0 = torch.where(any_ok, torch.floor(u[:, 0:1] * (w - cw + 1)), torch.floor((w - cw) / 2))
    y0 = torch.where(any_ok, torch.floor(u[:, 1:2] * (h - ch + 1)), torch.floor((h - ch) / 2))
    return torch.cat([x0, y0, x0 + cw, y0 + ch], dim=1)


def sub_crop(regions: torch.Tensor, sizes: torch.Tensor, scale: tuple[float, float], ratio: tuple[float, float],
             generator: torch.Generator | None) -> torch.Tensor:
    """A random box covering an area fraction in ``scale`` of each region box, inside its image.

    ``regions`` is ``(B, 4)`` float, ``sizes`` ``(B, 2)`` (height, width) of the photos. The aspect
    ratio is log-uniform in ``ratio``; the crop is shrunk to fit in its region and placed at random
    inside it. Where the region is too thin for any crop of that aspect ratio (a band, or a region cut
    by the image border), the short side is grown back to the ratio bound and the crop centred on the
    region along it, so views never stretch a sliver. Finally the crop is shifted inside the image.
    Returns ``(B, 4)`` float boxes (sub-pixel; the crop rounds them).
    """
    device = regions.device
    b = regions.shape[0]
    h, w = sizes[:, 0].float(), sizes[:, 1].float()
    rw = (regions[:, 2] - regions[:, 0]).clamp_min(1.0)
    rh = (regions[:, 3] - regions[:, 1]).clamp_min(1.0)
    area = rw * rh * uniform(scale[0], scale[1], b, generator, device)
    r = torch.exp(uniform(math.log(ratio[0]), math.log(ratio[1]), b, generator, device))
    cw = torch.minimum(torch.sqrt(area * r), rw)
    ch = torch.minimum(torch.sqrt(area / r), rh)
    # a side clipped by a thin region grows back just enough to keep the aspect ratio in range
    cw = torch.minimum(torch.maximum(cw, ch * ratio[0]), w)
    ch = torch.minimum(torch.maximum(ch, cw / ratio[1]), h)
    u = torch.rand(b, 2, generator=generator, device=device)
    x0 = torch.where(cw <= rw, regions[:, 0] + u[:, 0] * (rw - cw), regions[:, 0] + (rw - cw) / 2)
    y0 = torch.where(ch <= rh, regions[:, 1] + u[:, 1] * (rh - ch), regions[:, 1] + (rh - ch) / 2)
    x0 = torch.minimum(x0.clamp_min(0.0), w - cw)
    y0 = torch.minimum(y0.clamp_min(0.0), h - ch)
    return torch.stack([x0, y0, x0 + cw, y0 + ch], dim=1)


def color_blur(n: int, *, jitter_p: float, brightness: float, contrast: float, saturation: float, hue: float,
               gray_p: float, blur_p: float, blur_sigma: tuple[float, float], solarize_p: float, flip_p: float,
               generator: torch.Generator | None, device) -> dict[str, torch.Tensor]:
    """The photometric and flip choices of ``n`` views (the ``ViewParams`` fields other than photo/box)."""

    def factor(strength: float) -> torch.Tensor:
        return uniform(max(0.0, 1.0 - strength), 1.0 + strength, n, generator, device)

    return {
        "flip": bernoulli(flip_p, n, generator, device),
        "jitter": bernoulli(jitter_p, n, generator, device),
        "brightness": factor(brightness),
        "contrast": factor(contrast),
        "saturation": factor(saturation),
        "hue": uniform(-hue, hue, n, generator, device),
        "gray": bernoulli(gray_p, n, generator, device),
        "blur": bernoulli(blur_p, n, generator, device),
        "sigma": uniform(blur_sigma[0], blur_sigma[1], n, generator, device),
        "solarize": bernoulli(solarize_p, n, generator, device),
    }
