"""The plugin hooks of skill-aug.

A plugin is a Python module (or object) registered under the entry-point group ``skill_aug`` that
implements one or more of the hooks below, each marked with :data:`hookimpl`::

    # pyproject.toml of your plugin
    [project.entry-points.skill_aug]
    shoes = "skill_aug_shoes"

    # skill_aug_shoes.py
    from skill_aug import hookimpl, TaskSpec

    @hookimpl
    def register_tasks(register):
        register(TaskSpec(name="shoes", ...))

Every hook receives a ``register`` callable and returns nothing. Hooks are called once per process, the
first time a task, detector or generator is looked up; each plugin's hook runs on its own, so an
exception in one plugin is reported by name and the other plugins keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from skill_aug.detect.base import HeadDetector
    from skill_aug.tasks import TaskSpec

PROJECT = "skill_aug"
ENTRY_POINT_GROUP = "skill_aug"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_tasks(register: Callable[["TaskSpec"], None]) -> None:
    """Register product types (tasks).

    Call ``register(TaskSpec(...))`` once per task. A :class:`~skill_aug.tasks.TaskSpec` names the
    task, its local regions (for example ``neck``, ``sleeve_left``) and the function that places those
    regions on a photo from a detected head box or, failing that, from the product's silhouette. Task
    names are global: registering a name another plugin already registered is reported as a plugin
    error and the first registration is kept.
    """


@hookspec
def register_detectors(register: Callable[[str, Callable[..., "HeadDetector"]], None]) -> None:
    """Register head/person detector backends.

    Call ``register(name, factory)`` where ``factory(**options)`` returns an object with a
    ``detect(image) -> Box | None`` method (see :class:`~skill_aug.detect.base.HeadDetector`). The
    factory is only called when the backend is chosen, so an optional dependency may be imported
    inside it; raise :class:`~skill_aug.errors.DetectorError` with install instructions when it is
    missing.
    """


@hookspec
def register_generators(register: Callable[[str, Callable[..., object]], None]) -> None:
    """Register synthetic product generators for the built-in catalogue.

    Call ``register(task_name, generator)``, where ``generator(rng, size, **options)`` draws one
    product's factors from the ``numpy.random.Generator`` ``rng`` alone and returns a
    :class:`~skill_aug.synth.base.SynthProduct`: ``design`` and ``nuisance`` dicts of strings
    (``nuisance["color"]`` is the base colour's name) and ``render(rng, index)``, which draws photo
    ``index`` as a :class:`~skill_aug.synth.base.SynthPhoto` (``size`` x ``size`` uint8 RGB image, true
    ``"head"`` and region boxes in pixels where known, the product's mask, the photo's nuisance draws),
    taking only that photo's pose, background and light from ``rng``. Accept and ignore unknown
    ``options`` (the built-in apparel generators read ``person_p``). ``skill-aug synth --task NAME``,
    :class:`skill_aug.synth.SynthCatalogue` and ``skill-ssl train`` without ``--data`` use the
    generator registered for the task.
    """
