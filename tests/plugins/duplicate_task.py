"""A plugin that registers ``shirt`` again (the built-in plugin owns it) and one task of its own."""

from skill_aug import TaskSpec, hookimpl


def locate(head, silhouette, size):
    return {"all": silhouette}


@hookimpl
def register_tasks(register):
    register(TaskSpec(name="shirt", regions=("all",), locate=locate, description="FAKE shirt from duplicate_task"))
    register(TaskSpec(name="dup_own", regions=("all",), locate=locate, description="kept: a name nobody else has"))
