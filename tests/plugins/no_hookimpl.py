"""A plugin that forgot ``@hookimpl``: its function is never called, which must not pass silently."""

from skill_aug import TaskSpec


def register_tasks(register):
    register(TaskSpec(name="unmarked_task", regions=("all",),
                      locate=lambda head, silhouette, size: {"all": silhouette}))
