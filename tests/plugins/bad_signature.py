"""A plugin whose hook takes an argument the hookspec does not have (``registrar``)."""

from skill_aug import TaskSpec, hookimpl


@hookimpl
def register_tasks(registrar):
    registrar(TaskSpec(name="bad_sig_task", regions=("all",),
                       locate=lambda head, silhouette, size: {"all": silhouette}))
