"""Shirt: the neck (collar band) and both sleeves."""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import upper_body_regions


def locate(head, silhouette, size):
    return upper_body_regions(head, silhouette)


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
