"""Plugin discovery and isolation through real entry points.

The fake plugins are real modules in tests/plugins/. Each test writes throw-away ``*.dist-info``
folders (METADATA + entry_points.txt, group ``skill_aug``) in a temporary directory and puts it, with
tests/plugins, on PYTHONPATH of a real ``skill-aug`` subprocess (or on ``sys.path`` in process), so
``importlib.metadata`` discovers them exactly like installed plugins; nothing is installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from skill_aug import plugins as plugin_manager
from skill_aug.errors import PluginError, UnknownTaskError

FAKES = Path(__file__).resolve().parents[1] / "plugins"
BUILTIN_TASKS = ("furniture", "shirt", "women_dress")
BROKEN = ("broken_import", "raises_in_hook", "duplicate_task", "typo_hook", "bad_signature", "no_hookimpl",
          "wrong_type")


def make_dists(root: Path, modules: list[str]) -> Path:
    """One fake distribution ``fake-<module>`` 0.0 per module, with entry point ``<module> = <module>``."""
    root.mkdir(parents=True, exist_ok=True)
    for module in modules:
        assert (FAKES / f"{module}.py").is_file(), module
        info = root / f"fake_{module}-0.0.dist-info"
        info.mkdir()
        dist = "fake-" + module.replace("_", "-")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0\n")
        (info / "entry_points.txt").write_text(f"[skill_aug]\n{module} = {module}\n")
    return root


def plugin_env(dists: Path, strict: bool = False) -> dict[str, str]:
    path = os.pathsep.join([str(dists), str(FAKES), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {"PYTHONPATH": path, "COLUMNS": "250", "SKILL_AUG_STRICT_PLUGINS": "1" if strict else ""}


def warnings_for(stderr: str, plugin: str) -> list[str]:
    return [line for line in stderr.splitlines() if f"plugin {plugin!r}" in line]


# --- through a real `skill-aug tasks` subprocess ---------------------------------------------------

def test_broken_plugins_are_reported_by_name_and_the_others_keep_working(cli, tmp_path):
    dists = make_dists(tmp_path / "site", ["extra_task", *BROKEN])
    res = cli("skill-aug", "tasks", env=plugin_env(dists))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    for task in (*BUILTIN_TASKS, "extra_demo", "dup_own"):
        assert f"│ {task} " in res.stdout, task
    assert "fake-extra-task 0.0" in res.stdout  # the distribution column
    for plugin in BROKEN:
        lines = warnings_for(res.stderr, plugin)
        assert len(lines) == 1, (plugin, res.stderr)  # one line, once per process
        assert lines[0].startswith("skill-aug: warning: ")
        assert f"fake-{plugin.replace('_', '-')} 0.0" in lines[0]  # names the distribution too
    assert f"{len(BROKEN)} plugin problem(s) reported above" in res.stderr
    # nothing a failing plugin registered survives
    for task in ("half_registered", "typo_task", "bad_sig_task", "unmarked_task", "dict_task"):
        assert task not in res.stdout
    # specific reasons
    assert "No module named 'skill_aug_definitely_missing_dependency'" in warnings_for(res.stderr, "broken_import")[0]
    assert "RuntimeError: boom while registering tasks" in warnings_for(res.stderr, "raises_in_hook")[0]
    assert "did you mean 'register_tasks'" in warnings_for(res.stderr, "typo_hook")[0]
    assert "registrar" in warnings_for(res.stderr, "bad_signature")[0]
    assert "not marked with @skill_aug.hookimpl" in warnings_for(res.stderr, "no_hookimpl")[0]
    assert "expects a skill_aug.TaskSpec, got dict" in warnings_for(res.stderr, "wrong_type")[0]


def test_duplicate_task_keeps_the_builtin_and_names_the_second(cli, tmp_path):
    dists = make_dists(tmp_path / "site", ["duplicate_task"])
    res = cli("skill-aug", "tasks", env=plugin_env(dists))
    assert res.returncode == 0, res.stderr
    [line] = warnings_for(res.stderr, "duplicate_task")
    assert "registers task 'shirt', already registered by plugin 'shirt'" in line
    assert "FAKE shirt" not in res.stdout
    shirt_row = next(row for row in res.stdout.splitlines() if row.startswith("│ shirt "))
    assert "skill-aug 0.1.0" in shirt_row


def test_strict_mode_turns_a_broken_plugin_into_a_one_line_error(cli, tmp_path):
    dists = make_dists(tmp_path / "site", ["extra_task", "broken_import"])
    res = cli("skill-aug", "tasks", env=plugin_env(dists, strict=True))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("skill-aug: error: plugin 'broken_import' (from fake-broken-import 0.0)")
    assert "SKILL_AUG_STRICT_PLUGINS" in lines[0]
    assert res.stdout == ""


@pytest.mark.parametrize("plugin", ["duplicate_task", "typo_hook"])
def test_strict_mode_also_fails_on_duplicates_and_typos(cli, tmp_path, plugin):
    dists = make_dists(tmp_path / "site", [plugin])
    res = cli("skill-aug", "tasks", env=plugin_env(dists, strict=True))
    assert res.returncode == 2
    [line] = res.stderr.strip().splitlines()
    assert line.startswith(f"skill-aug: error: plugin {plugin!r}")


def test_strict_mode_passes_with_good_plugins_only(cli, tmp_path):
    dists = make_dists(tmp_path / "site", ["extra_task"])
    res = cli("skill-aug", "tasks", env=plugin_env(dists, strict=True))
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "│ extra_demo " in res.stdout


# --- in process: load_registry() with the fakes on sys.path ---------------------------------------

@pytest.fixture
def fake_site(tmp_path, monkeypatch):
    """Put fake distributions for every fake plugin on sys.path; forget their modules afterwards."""
    monkeypatch.delenv(plugin_manager.STRICT_ENV, raising=False)
    monkeypatch.setattr(plugin_manager, "_warned", set())
    dists = make_dists(tmp_path / "site", ["extra_task", *BROKEN])
    monkeypatch.syspath_prepend(str(FAKES))
    monkeypatch.syspath_prepend(str(dists))
    yield dists
    for module in ["extra_task", *BROKEN]:
        sys.modules.pop(module, None)


def test_load_registry_in_process(fake_site, capsys):
    reg = plugin_manager.load_registry()
    assert set(BUILTIN_TASKS) | {"extra_demo", "dup_own"} <= set(reg.tasks)
    assert not {"half_registered", "typo_task", "bad_sig_task", "unmarked_task", "dict_task"} & set(reg.tasks)
    assert {f.plugin for f in reg.failures} == set(BROKEN)
    assert reg.owner[("task", "shirt")] == "shirt"
    assert reg.owner[("task", "extra_demo")] == "extra_task"
    assert reg.distributions["extra_task"] == "fake-extra-task 0.0"
    assert reg.distributions["shirt"].startswith("skill-aug ")
    assert {"lbp", "insightface"} <= set(reg.detectors)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == len(BROKEN)

    # a second load (e.g. after reset_registry) finds the same failures but does not warn again
    again = plugin_manager.load_registry()
    assert [str(f) for f in again.failures] == [str(f) for f in reg.failures]
    assert capsys.readouterr().err == ""


def test_load_registry_strict_in_process(fake_site, monkeypatch):
    monkeypatch.setenv(plugin_manager.STRICT_ENV, "1")
    with pytest.raises(PluginError) as info:
        plugin_manager.load_registry()
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("plugin '")


def test_process_registry_loads_once(fresh_plugins, monkeypatch):
    calls = []
    real = plugin_manager.load_registry
    monkeypatch.setattr(plugin_manager, "load_registry", lambda: calls.append(1) or real())
    first = plugin_manager.get_registry()
    assert plugin_manager.get_registry() is first
    assert calls == [1]


# --- the task facade ------------------------------------------------------------------------------

def test_unknown_task_lists_known_and_suggests(fresh_plugins):
    from skill_aug import get_task

    with pytest.raises(UnknownTaskError) as info:
        get_task("shrit")
    msg = str(info.value)
    assert "\n" not in msg
    assert "did you mean 'shirt'?" in msg
    for task in BUILTIN_TASKS:
        assert task in msg
    assert get_task("shirt").name == "shirt"


def test_list_tasks_names_plugin_and_distribution(fresh_plugins):
    from skill_aug import list_tasks

    infos = {i.spec.name: i for i in list_tasks()}
    assert set(BUILTIN_TASKS) <= set(infos)
    assert infos["women_dress"].plugin == "women_dress"
    assert infos["women_dress"].distribution.startswith("skill-aug ")


def test_two_distributions_with_the_same_entry_point_name(tmp_path, monkeypatch):
    monkeypatch.delenv(plugin_manager.STRICT_ENV, raising=False)
    monkeypatch.setattr(plugin_manager, "_warned", set())
    site = make_dists(tmp_path / "site", ["extra_task"])
    clash = site / "zz_clash-0.0.dist-info"  # sorts after fake-extra-task: the second declaration
    clash.mkdir()
    (clash / "METADATA").write_text("Metadata-Version: 2.1\nName: zz-clash\nVersion: 0.0\n")
    (clash / "entry_points.txt").write_text("[skill_aug]\nextra_task = raises_in_hook\n")
    monkeypatch.syspath_prepend(str(FAKES))
    monkeypatch.syspath_prepend(str(site))
    try:
        reg = plugin_manager.load_registry()
    finally:
        for module in ("extra_task", "raises_in_hook"):
            sys.modules.pop(module, None)
    [failure] = reg.failures
    assert failure.plugin == "extra_task" and "same entry-point name" in failure.message
    assert failure.distribution == "zz-clash 0.0" and "fake-extra-task 0.0" in failure.message
    assert "extra_demo" in reg.tasks and "half_registered" not in reg.tasks
