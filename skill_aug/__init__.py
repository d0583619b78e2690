"""skill-aug: the SkiLL augmentation toolkit.

Public API (importing this package loads no plugins and no torch until a name needs it)::

    from skill_aug import AugmentationSpace, SpaceConfig, Product, get_task, list_tasks
    from skill_aug import hookimpl, TaskSpec            # for plugin authors
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from skill_aug.errors import SkillAugError
from skill_aug.hookspecs import hookimpl
from skill_aug.tasks import TaskSpec, get_task, list_tasks

__version__ = "0.1.0"

_LAZY = {
    "AugmentationSpace": "skill_aug.space",
    "SpaceConfig": "skill_aug.space",
    "Views": "skill_aug.space",
    "Product": "skill_aug.product",
    "ProductDataset": "skill_aug.dataset",
    "collate_products": "skill_aug.dataset",
    "read_image": "skill_aug.io",
    "load_records": "skill_aug.io",
    "get_detector": "skill_aug.detect",
}

__all__ = ["SkillAugError", "TaskSpec", "get_task", "hookimpl", "list_tasks", "__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from skill_aug.dataset import ProductDataset, collate_products
    from skill_aug.detect import get_detector
    from skill_aug.io import load_records, read_image
    from skill_aug.product import Product
    from skill_aug.space import AugmentationSpace, SpaceConfig, Views


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skill_aug' has no attribute {name!r}")
