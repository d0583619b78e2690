"""Which kernels run where: one switch, so the accelerator code paths can be exercised on a CPU in tests."""

from __future__ import annotations

import torch


def cpu_kernels(device: torch.device) -> bool:
    """True where the CPU kernels run (uint8 resize, chunked colour pass, shift-and-add blur); False on an
    accelerator (float resize, one batched colour pass, Kornia's grouped-convolution blur)."""
    return device.type == "cpu"
