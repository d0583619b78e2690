"""Women's dress: neckline, both sleeves and the knee band, placed from the detected head."""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import hem_band_from_silhouette, knee_from_head, upper_body_regions


def locate(head, silhouette, size):
    knee = knee_from_head(head) if head is not None else hem_band_from_silhouette(silhouette)
    return {**upper_body_regions(head, silhouette), "knee": knee}


TASK = TaskSpec(
    name="women_dress",
    regions=("neck", "sleeve_left", "sleeve_right", "knee"),
    locate=locate,
    description="Women's dresses: neckline, sleeves and knee band, from the detected head",
    use_head=True,
)


@hookimpl
def register_tasks(register):
    register(TASK)


@hookimpl
def register_generators(register):
    from skill_aug.synth import dress_generator

    register("women_dress", dress_generator)
