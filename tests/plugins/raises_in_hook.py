"""A plugin whose hook raises after registering one task: nothing it registered may survive."""

from skill_aug import TaskSpec, hookimpl


@hookimpl
def register_tasks(register):
    register(TaskSpec(name="half_registered", regions=("all",),
                      locate=lambda head, silhouette, size: {"all": silhouette}))
    raise RuntimeError("boom while registering tasks")
