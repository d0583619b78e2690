"""Tasks (product types) and the registry facade over the plugins.

A :class:`TaskSpec` says which local regions a product type has (the ``A_i`` of SkiLL) and where they
lie on a photo. Plugins register task specs through the ``register_tasks`` hook; :func:`get_task`
and :func:`list_tasks` look them up (loading the plugins on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from skill_aug.errors import ConfigError, UnknownTaskError
from skill_aug.plugins import get_registry
from skill_aug.regions import Box

#: ``locate(head, silhouette, size) -> {region: box}``. ``head`` is the detected head box or ``None``;
#: ``silhouette`` the product's foreground box; ``size`` is ``(height, width)``. Boxes are
#: ``(x0, y0, x1, y1)`` in pixels. Return every region of the task (the caller clips boxes to the image).
Locator = Callable[[Optional[Box], Box, tuple[int, int]], dict[str, Box]]


@dataclass(frozen=True)
class TaskSpec:
    """A product type and its task-specific local augmentations.

    Attributes:
        name: the task name used on the command line (``--task``); lower case, no spaces.
        regions: names of the local regions, in the order their views are returned.
        locate: places the regions on one photo (see :data:`Locator`).
        description: one line shown by ``skill-aug tasks``.
        use_head: look for a head (person) first; regions come from the silhouette where none is found.
        local_size: side in pixels of each local region view.
        local_scale: area fraction of the region box kept by the random crop inside it.
        cpu_transforms: optional per-sample transform run in the CPU workers before the batched device
            stage, e.g. an ``albumentations.Compose``; called as ``cpu_transforms(image=hwc_uint8)`` and
            must return a dict with key ``"image"`` (the albumentations convention), same size.
        defaults: extra default settings a plugin wants for the trainer (free-form).
    """

    name: str
    regions: tuple[str, ...]
    locate: Locator
    description: str = ""
    use_head: bool = False
    local_size: int = 96
    local_scale: tuple[float, float] = (0.6, 1.0)
    cpu_transforms: Callable[..., Any] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"task name {self.name!r} must be letters, digits, '_' or '-'")
        if len(set(self.regions)) != len(self.regions):
            raise ConfigError(f"task {self.name!r} lists a region twice: {self.regions}")
        lo, hi = self.local_scale
        if not 0 < lo <= hi <= 1:
            raise ConfigError(f"task {self.name!r}: local_scale {self.local_scale} must satisfy 0 < lo <= hi <= 1")


@dataclass(frozen=True)
class TaskInfo:
    """A registered task with where it came from (for ``skill-aug tasks``)."""

    spec: TaskSpec
    plugin: str
    distribution: str


def get_task(name: str) -> TaskSpec:
    """The task registered under ``name``; raises :class:`UnknownTaskError` with a suggestion."""
    if isinstance(name, TaskSpec):
        return name
    reg = get_registry()
    try:
        return reg.tasks[name]
    except KeyError:
        raise UnknownTaskError(name, reg.tasks) from None


def list_tasks() -> list[TaskInfo]:
    """Every registered task, sorted by name."""
    reg = get_registry()
    out = []
    for name in sorted(reg.tasks):
        plugin = reg.owner.get(("task", name), "?")
        out.append(TaskInfo(reg.tasks[name], plugin, reg.distributions.get(plugin, "")))
    return out
