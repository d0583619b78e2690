"""A plugin that registers a plain dict where a ``TaskSpec`` is expected."""

from skill_aug import hookimpl


@hookimpl
def register_tasks(register):
    register({"name": "dict_task", "regions": ["all"]})
