"""A plugin whose import fails: it needs a dependency that is not installed."""

import skill_aug_definitely_missing_dependency  # noqa: F401

from skill_aug import hookimpl


@hookimpl
def register_tasks(register):  # never reached
    raise AssertionError("unreachable")
