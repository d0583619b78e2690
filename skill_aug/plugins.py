"""The plugin manager: finds plugins through entry points and keeps going when one breaks.

Plugins are loaded lazily, on the first lookup of a task, detector or generator, never on
``import skill_aug``. Each entry point of the group ``skill_aug`` is imported and registered on its
own, and each plugin's hook is called on its own, so one broken plugin (an import error, an
exception in its hook, a hook with a typo in its name or arguments, a plugin with no hook at all, a
duplicate task name) is reported on stderr by name, once per process, while the others keep working.
``SKILL_AUG_STRICT_PLUGINS=1`` turns every such report into a :class:`~skill_aug.errors.PluginError`,
for plugin authors and CI.

Order: the built-in plugins (distribution ``skill-aug``) are registered first, then every other
entry point sorted by name (ties by distribution name); when two plugins register the same task,
detector or generator name, or two distributions declare the same entry-point name, the first keeps it.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

import pluggy

from skill_aug import hookspecs
from skill_aug.errors import PluginError, did_you_mean

STRICT_ENV = "SKILL_AUG_STRICT_PLUGINS"
BUILTIN_DISTRIBUTION = "skill-aug"

#: the hooks called on load, with the kind of thing each one registers
HOOKS = (("register_tasks", "task"), ("register_detectors", "detector"), ("register_generators", "generator"))


@dataclass(frozen=True)
class PluginFailure:
    """One plugin that failed, and why (one line)."""

    plugin: str
    distribution: str
    message: str

    def __str__(self) -> str:
        dist = f" (from {self.distribution})" if self.distribution else ""
        return f"plugin {self.plugin!r}{dist} {self.message}"


@dataclass
class Registry:
    """Everything the plugins registered, with who registered what."""

    tasks: dict[str, Any] = field(default_factory=dict)
    detectors: dict[str, Callable[..., Any]] = field(default_factory=dict)
    generators: dict[str, Callable[..., Any]] = field(default_factory=dict)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> plugin name
    distributions: dict[str, str] = field(default_factory=dict)  # plugin name -> "dist version"
    failures: list[PluginFailure] = field(default_factory=list)


_lock = threading.RLock()
_registry: Registry | None = None
_warned: set[str] = set()  # failures already printed in this process


def strict() -> bool:
    """Whether ``SKILL_AUG_STRICT_PLUGINS`` asks for broken plugins to be errors."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


class _StrictPluginError(PluginError):
    """A failure already worded as a report, raised in strict mode (passes through hook calls)."""


def _report(reg: Registry, failure: PluginFailure) -> None:
    """Record a failure and warn once per process on stderr; raise instead in strict mode."""
    if strict():
        raise _StrictPluginError(f"{failure} (strict mode: unset {STRICT_ENV} to skip broken plugins)")
    reg.failures.append(failure)
    line = f"skill-aug: warning: {failure}; skipped, the other plugins keep working"
    with _lock:
        if line in _warned:
            return
        _warned.add(line)
    print(line, file=sys.stderr, flush=True)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _make_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), f"{hookspecs.PROJECT}_spec"))


def _check_hooks(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """Why ``plugin`` (just registered) is unusable, or ``None``: unknown hook names, or no hook at all."""
    known = _hook_names()
    callers = pm.get_hookcallers(plugin) or []
    unknown = sorted(c.name for c in callers if not c.has_spec())
    if unknown:
        name = unknown[0]
        return (f"implements hook {name!r}, which skill-aug does not define{did_you_mean(name, known)}; "
                f"the hooks are: {', '.join(known)}")
    if not callers:
        # Functions named like a hook (or close to one) but without the marker are the usual mistake.
        near = [a for a in dir(plugin) if not a.startswith("_") and inspect.isroutine(getattr(plugin, a, None))
                and did_you_mean(a, known)]
        hint = f" ({near[0]!r} is not marked with @skill_aug.hookimpl)" if near else ""
        return f"implements no skill-aug hook{hint}; mark hook functions with @skill_aug.hookimpl"
    return None


def _entry_points() -> list[metadata.EntryPoint]:
    """The entry points of the group: built-in distribution first, then by name (and distribution name)."""
    eps = metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)

    def key(ep: metadata.EntryPoint) -> tuple[int, str, str]:
        dist = getattr(ep, "dist", None)
        dist_name = (dist.name or "").lower().replace("_", "-") if dist is not None else ""
        return (0 if dist_name == BUILTIN_DISTRIBUTION else 1, ep.name, dist_name)

    return sorted(eps, key=key)


def _load_entry_points(pm: pluggy.PluginManager, reg: Registry) -> None:
    for ep in _entry_points():
        dist = f"{ep.dist.name} {ep.dist.version}" if getattr(ep, "dist", None) else ""
        if pm.has_plugin(ep.name):
            first = reg.distributions.get(ep.name) or "another distribution"
            _report(reg, PluginFailure(ep.name, dist, f"has the same entry-point name as a plugin from {first}; "
                                                      "rename the entry point"))
            continue
        try:
            plugin = ep.load()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure in third-party code is reported
            _report(reg, PluginFailure(ep.name, dist, f"failed to import {ep.value!r}: {_one_line(exc)}"))
            continue
        try:
            pm.register(plugin, name=ep.name)
            problem = _check_hooks(pm, plugin)
        except pluggy.PluginValidationError as exc:  # pluggy checks argument names on register
            problem = f"has an invalid hook: {_one_line(exc)}"
        except Exception as exc:  # noqa: BLE001 - e.g. one module behind two entry points
            problem = f"could not be registered: {_one_line(exc)}"
        if problem:
            if pm.has_plugin(ep.name):
                pm.unregister(name=ep.name)
            _report(reg, PluginFailure(ep.name, dist, problem))
            continue
        reg.distributions[ep.name] = dist


def _validate(kind: str, name: object, obj: object) -> None:
    """Check one ``register(...)`` call: a TaskSpec for tasks, ``(name, callable)`` for the others."""
    if kind == "task":
        from skill_aug.tasks import TaskSpec  # tasks imports this module

        if not isinstance(obj, TaskSpec):
            raise PluginError(f"register() expects a skill_aug.TaskSpec, got {type(obj).__name__}")
        return
    if not isinstance(name, str) or not name:
        raise PluginError(f"register(name, factory) needs a non-empty name, got {name!r}")
    if not callable(obj):
        raise PluginError(f"register() for {kind} {name!r} expects a callable factory, got {type(obj).__name__}")


def _call_hook(pm: pluggy.PluginManager, reg: Registry, hook_name: str, kind: str, table: dict,
               order: dict[str, int]) -> None:
    """Call one hook plugin by plugin (in registration order), so that an exception stays with its plugin."""
    caller = getattr(pm.hook, hook_name)
    impls = sorted(caller.get_hookimpls(), key=lambda i: order.get(i.plugin_name, len(order)))
    for impl in impls:
        plugin_name = impl.plugin_name
        dist = reg.distributions.get(plugin_name, "")
        added: list[str] = []

        def register(name_or_obj, factory=None, *, _plugin=plugin_name, _added=added, _dist=dist):
            if factory is None:  # register(TaskSpec)
                obj, name = name_or_obj, getattr(name_or_obj, "name", None)
            else:  # register(name, factory)
                obj, name = factory, name_or_obj
            _validate(kind, name, obj)
            if name in table:
                first = reg.owner.get((kind, name), "?")
                _report(reg, PluginFailure(_plugin, _dist, f"registers {kind} {name!r}, already registered by "
                                                           f"plugin {first!r}; the first registration is kept"))
                return
            table[name] = obj
            reg.owner[(kind, name)] = _plugin
            _added.append(name)

        args = {"register": register}
        try:
            if impl.hookwrapper or impl.wrapper:
                raise PluginError("hook wrappers are not supported; drop wrapper=True/hookwrapper=True")
            impl.function(*(args[a] for a in impl.argnames))
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, _StrictPluginError):
                raise  # already a full report (a duplicate name in strict mode)
            for name in added:  # all or nothing per plugin and hook
                table.pop(name, None)
                reg.owner.pop((kind, name), None)
            _report(reg, PluginFailure(plugin_name, dist, f"raised in {hook_name}(): {_one_line(exc)}"))


def load_registry(extra_plugins: tuple[object, ...] = ()) -> Registry:
    """Discover plugins and collect what they register (a fresh registry every call).

    ``extra_plugins`` are registered after the entry points, as if they were installed (for tests and
    for applications that embed their own task).
    """
    reg = Registry()
    pm = _make_manager()
    _load_entry_points(pm, reg)
    for i, plugin in enumerate(extra_plugins):
        name = getattr(plugin, "__name__", f"extra-{i}")
        pm.register(plugin, name=name)
    order = {name: i for i, (name, _) in enumerate(pm.list_name_plugin())}
    for hook_name, kind in HOOKS:
        _call_hook(pm, reg, hook_name, kind, getattr(reg, f"{kind}s"), order)
    return reg


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = load_registry()
        return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Forget the loaded plugins (or install ``registry``); the next lookup loads them again."""
    global _registry
    with _lock:
        _registry = registry
