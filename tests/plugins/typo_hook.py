"""A plugin with a misspelt hook name (``register_taks``), marked as a hook."""

from skill_aug import TaskSpec, hookimpl


@hookimpl
def register_taks(register):
    register(TaskSpec(name="typo_task", regions=("all",), locate=lambda head, silhouette, size: {"all": silhouette}))
