"""The unit of data: one product with one or more photos.

A :class:`Product` is what datasets yield, what the synthetic catalogue renders and what
:class:`~skill_aug.space.AugmentationSpace` consumes. Photos of one product differ in pose, zoom,
background or lighting but show the same design: two of them make the SkiLL positive pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from skill_aug.regions import Box

#: where a photo's region boxes came from
REGION_SOURCES = ("given", "head", "silhouette")


@dataclass
class Product:
    """One product.

    Attributes:
        photos: ``(3, H, W)`` uint8 tensors (sizes may differ between photos).
        boxes: per photo, boxes given with the data (``"head"`` and/or region names), may be empty.
        regions: per photo, the task's region boxes once located (see ``AugmentationSpace.prepare``).
        region_source: per photo, one of :data:`REGION_SOURCES` once located.
        heads: per photo, the head box used (given or detected), or ``None``.
        product_id: identifier (manifest ``product_id``, or the image path).
        labels: label columns (design and color factors), strings.
        paths: source file per photo, when read from disk (used as the detection cache key).
        skipped: one line per photo of the product that could not be read and was left out.
    """

    photos: list[torch.Tensor]
    boxes: list[dict[str, Box]] = field(default_factory=list)
    regions: list[dict[str, Box]] | None = None
    region_source: list[str] | None = None
    heads: list[Box | None] | None = None
    product_id: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.photos:
            raise ValueError(f"product {self.product_id!r} has no photos")
        self.photos = [as_uint8_chw(p) for p in self.photos]
        if not self.boxes:
            self.boxes = [{} for _ in self.photos]

    @property
    def located(self) -> bool:
        return self.regions is not None


def as_uint8_chw(image) -> torch.Tensor:
    """A ``(3, H, W)`` uint8 tensor from a CHW/HWC tensor or array, uint8 or float in [0, 1]."""
    if isinstance(image, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(image))
        if t.ndim == 3 and t.shape[-1] in (1, 3, 4) and t.shape[0] not in (1, 3, 4):
            t = t.permute(2, 0, 1)
        elif t.ndim == 3 and t.shape[-1] in (1, 3, 4) and t.shape[0] in (1, 3, 4) and t.shape[-1] < t.shape[0]:
            t = t.permute(2, 0, 1)
    elif isinstance(image, torch.Tensor):
        t = image
    else:
        raise TypeError(f"expected an image tensor or array, got {type(image).__name__}")
    if t.ndim == 2:
        t = t.unsqueeze(0)
    if t.ndim != 3:
        raise ValueError(f"expected an image of shape (3, H, W), got {tuple(t.shape)}")
    if t.shape[0] == 1:
        t = t.expand(3, -1, -1)
    elif t.shape[0] == 4:
        t = t[:3]
    elif t.shape[0] != 3:
        raise ValueError(f"expected 1, 3 or 4 channels first, got shape {tuple(t.shape)}")
    if t.dtype != torch.uint8:
        if t.is_floating_point():
            t = (t.clamp(0, 1) * 255).round().to(torch.uint8)
        else:
            t = t.clamp(0, 255).to(torch.uint8)
    return t.contiguous()
