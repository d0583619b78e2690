"""The plugin manager: finds plugins through entry points and keeps going when one breaks.

Plugins are loaded lazily, on the first lookup of a task, detector or generator, never on
``import skill_aug``. Each entry point of the group ``skill_aug`` is imported and registered on its
own, and each plugin's hook is called on its own, so one broken plugin (an import error, an
exception in a hook, a hook with a typo in its name or arguments, a duplicate task name) is
reported on stderr by name while the others keep working. ``SKILL_AUG_STRICT_PLUGINS=1`` turns
every such report into a :class:`~skill_aug.errors.PluginError`, for plugin authors and CI.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

import pluggy

from skill_aug import hookspecs
from skill_aug.errors import PluginError

STRICT_ENV = "SKILL_AUG_STRICT_PLUGINS"


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


_lock = threading.Lock()
_registry: Registry | None = None


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _report(reg: Registry, failure: PluginFailure) -> None:
    if strict():
        raise PluginError(f"{failure} (strict mode: unset {STRICT_ENV} to skip broken plugins)")
    reg.failures.append(failure)
    print(f"skill-aug: warning: {failure}; skipped, the other plugins keep working", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _make_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _load_entry_points(pm: pluggy.PluginManager, reg: Registry) -> None:
    for ep in sorted(metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = f"{ep.dist.name} {ep.dist.version}" if getattr(ep, "dist", None) else ""
        if pm.has_plugin(ep.name):
            _report(reg, PluginFailure(ep.name, dist, "has the same name as another plugin"))
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - any failure in third-party code is reported
            _report(reg, PluginFailure(ep.name, dist, f"failed to import: {_one_line(exc)}"))
            continue
        try:
            pm.register(plugin, name=ep.name)
            pm.check_pending()
        except Exception as exc:  # noqa: BLE001
            if pm.has_plugin(ep.name):
                pm.unregister(name=ep.name)
            _report(reg, PluginFailure(ep.name, dist, f"has an invalid hook: {_one_line(exc)}"))
            continue
        reg.distributions[ep.name] = dist


def _call_hook(pm: pluggy.PluginManager, reg: Registry, hook_name: str, kind: str, table: dict) -> None:
    """Call one hook plugin by plugin, so that an exception stays with its plugin."""
    caller = getattr(pm.hook, hook_name)
    for impl in reversed(caller.get_hookimpls()):  # registration order
        plugin_name = impl.plugin_name
        added: list[str] = []

        def register(name_or_obj, factory=None, *, _plugin=plugin_name, _added=added):
            if factory is None:  # register(TaskSpec)
                obj, name = name_or_obj, getattr(name_or_obj, "name", None)
            else:  # register(name, factory)
                obj, name = factory, name_or_obj
            if not isinstance(name, str) or not name:
                raise PluginError(f"register() needs a name, got {name!r}")
            if name in table:
                first = reg.owner.get((kind, name), "?")
                _report(
                    reg,
                    PluginFailure(_plugin, reg.distributions.get(_plugin, ""),
                                  f"registers {kind} {name!r}, already registered by plugin {first!r}; "
                                  "the first registration is kept"),
                )
                return
            table[name] = obj
            reg.owner[(kind, name)] = _plugin
            _added.append(name)

        try:
            impl.function(register=register)
        except PluginError:
            if strict():
                raise
            for name in added:  # all or nothing per plugin and hook
                table.pop(name, None)
            _report(reg, PluginFailure(plugin_name, reg.distributions.get(plugin_name, ""),
                                       f"raised in {hook_name}()"))
        except Exception as exc:  # noqa: BLE001
            for name in added:
                table.pop(name, None)
            _report(reg, PluginFailure(plugin_name, reg.distributions.get(plugin_name, ""),
                                       f"raised in {hook_name}(): {_one_line(exc)}"))


def load_registry(extra_plugins: tuple[object, ...] = ()) -> Registry:
    """Discover plugins and collect what they register (a fresh registry every call)."""
    reg = Registry()
    pm = _make_manager()
    _load_entry_points(pm, reg)
    for i, plugin in enumerate(extra_plugins):
        name = getattr(plugin, "__name__", f"extra-{i}")
        pm.register(plugin, name=name)
    _call_hook(pm, reg, "register_tasks", "task", reg.tasks)
    _call_hook(pm, reg, "register_detectors", "detector", reg.detectors)
    _call_hook(pm, reg, "register_generators", "generator", reg.generators)
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
