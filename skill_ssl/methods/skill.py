"""SkiLL: DINO self-distillation driven by the SkiLL augmentation space (global crops from two photos of the
same product, low-resolution crops, task-local region crops G∘A_i; SkiLL's colour probabilities)."""

from __future__ import annotations

from skill_ssl.methods.dino import DINOMethod


class SkillMethod(DINOMethod):
    """Same networks and loss as DINO; only the augmentation space differs (chosen by ``default_augment``)."""

    name = "skill"
    default_augment = "skill"
