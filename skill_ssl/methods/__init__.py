"""Training methods behind one interface (:class:`~skill_ssl.methods.base.Method`).

``skill`` (default): DINO self-distillation with the SkiLL augmentation space; ``dino``: the same trainer
with vanilla DINO augmentations; ``byol`` and ``simclr``: the paper's other baselines.
"""

from __future__ import annotations

from skill_aug.errors import ConfigError, did_you_mean

METHODS = ("skill", "dino", "byol", "simclr")


def get_method(name: str) -> type:
    """The :class:`Method` subclass registered as ``name``."""
    if name == "skill":
        from skill_ssl.methods.skill import SkillMethod as cls
    elif name == "dino":
        from skill_ssl.methods.dino import DINOMethod as cls
    elif name == "byol":
        from skill_ssl.methods.byol import BYOLMethod as cls
    elif name == "simclr":
        from skill_ssl.methods.simclr import SimCLRMethod as cls
    else:
        raise ConfigError(f"unknown method {name!r}{did_you_mean(name, METHODS)}; choose one of {', '.join(METHODS)}")
    return cls
