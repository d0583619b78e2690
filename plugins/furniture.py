"""Furniture: the top (backrest, tabletop), the base (legs, plinth) and one side (arm, edge profile)."""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import sub_box


def locate(head, silhouette, size):
    # Furniture has no head: regions always come from the silhouette of the piece.
    return {
        "top": sub_box(silhouette, 0.0, 0.0, 1.0, 0.4),
        "base": sub_box(silhouette, 0.0, 0.62, 1.0, 1.0),
        "side": sub_box(silhouette, 0.0, 0.15, 0.4, 0.85),
    }


TASK = TaskSpec(
    name="furniture",
    regions=("top", "base", "side"),
    locate=locate,
    description="Furniture: top (backrest, tabletop), base (legs) and side profile, from the silhouette",
    use_head=False,
)


@hookimpl
def register_tasks(register):
    register(TASK)


@hookimpl
def register_generators(register):
    from skill_aug.synth import furniture_generator

    register("furniture", furniture_generator)
