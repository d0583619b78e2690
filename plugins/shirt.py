"""Shirt: the neck (collar band) and both sleeves."""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import collar_from_silhouette, neck_from_head, sleeves_from_head, sleeves_from_silhouette


def locate(head, silhouette, size):
    if head is not None:
        left, right = sleeves_from_head(head)
        return {"neck": neck_from_head(head), "sleeve_left": left, "sleeve_right": right}
    left, right = sleeves_from_silhouette(silhouette)
    return {"neck": collar_from_silhouette(silhouette), "sleeve_left": left, "sleeve_right": right}


TASK = TaskSpec(
    name="shirt",
    regions=("neck", "sleeve_left", "sleeve_right"),
    locate=locate,
    description="Shirts and tops: collar band and sleeves, from the head or the garment silhouette",
    use_head=True,
)


@hookimpl
def register_tasks(register):
    register(TASK)


@hookimpl
def register_generators(register):
    from skill_aug.synth import shirt_generator

    register("shirt", shirt_generator)
