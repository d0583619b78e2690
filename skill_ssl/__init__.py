"""skill-ssl: the SkiLL trainer and evaluation suite (depends on skill_aug, never the reverse).

Public API (loaded lazily: ``import skill_ssl`` imports neither torch nor timm)::

    from skill_ssl import load_backbone          # run dir / checkpoint / .safetensors -> EmbeddingModel
    model = load_backbone("runs/dress")
    vectors = model.embed(images)                # (3, H, W) uint8 tensors -> (N, D)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_LAZY = {
    "load_backbone": "skill_ssl.models",
    "random_backbone": "skill_ssl.models",
    "build_backbone": "skill_ssl.models",
    "EmbeddingModel": "skill_ssl.models",
    "TrainConfig": "skill_ssl.config",
    "train": "skill_ssl.train",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from skill_ssl.config import TrainConfig
    from skill_ssl.models import EmbeddingModel, build_backbone, load_backbone, random_backbone
    from skill_ssl.train import train


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skill_ssl' has no attribute {name!r}")
