"""Solarization and channel normalisation."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def solarize(x: torch.Tensor, mask: torch.Tensor, threshold: float = 0.5, mean: Sequence[float] | None = None,
             std: Sequence[float] | None = None) -> torch.Tensor:
    """Invert (``1 - v``) pixels ``>= threshold`` of the samples selected by ``mask``; ``x`` in ``[0, 1]``.

    With ``mean`` and ``std``, ``x`` is already normalised (``(v - mean) / std``): the threshold and
    the inversion are mapped through the normalisation, so the result equals solarizing first.
    """
    if mean is None:
        sel = mask.view(-1, 1, 1, 1) & (x >= threshold)
        return torch.where(sel, 1.0 - x, x)
    m, s = _stats(x, mean, std)
    sel = mask.view(-1, 1, 1, 1) & (x >= (threshold - m) / s)
    return torch.where(sel, (1.0 - 2 * m) / s - x, x)


def _stats(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> tuple[torch.Tensor, torch.Tensor]:
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return m, s


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> torch.Tensor:
    """``(x - mean) / std`` per channel of a ``(B, 3, H, W)`` float batch."""
    m, s = _stats(x, mean, std)
    if inplace:
        return x.sub_(m).div_(s)
    return (x - m) / s


def denormalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """The inverse of :func:`normalize`, clamped to ``[0, 1]`` (for display)."""
    m, s = _stats(x, mean, std)
    return (x * s + m).clamp(0, 1)
