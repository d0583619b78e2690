"""A good third-party plugin: registers the task ``extra_demo`` (regions from the silhouette)."""

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import collar_from_silhouette, hem_band_from_silhouette


def locate(head, silhouette, size):
    return {"top": collar_from_silhouette(silhouette), "bottom": hem_band_from_silhouette(silhouette)}


@hookimpl
def register_tasks(register):
    register(TaskSpec(name="extra_demo", regions=("top", "bottom"), locate=locate,
                      description="test plugin: top and bottom bands"))
