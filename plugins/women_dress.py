"""Women's dress: neckline, both sleeves and the knee band, placed from the detected head."""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import (
    collar_from_silhouette,
    hem_band_from_silhouette,
    knee_from_head,
    neck_from_head,
    sleeves_from_head,
    sleeves_from_silhouette,
)


def locate(head, silhouette, size):
    if head is not None:
        left, right = sleeves_from_head(head)
        return {"neck": neck_from_head(head), "sleeve_left": left, "sleeve_right": right,
                "knee": knee_from_head(head)}
    left, right = sleeves_from_silhouette(silhouette)
    return {"neck": collar_from_silhouette(silhouette), "sleeve_left": left, "sleeve_right": right,
            "knee": hem_band_from_silhouette(silhouette)}


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
