"""The `skill-aug` command through real subprocesses."""

from __future__ import annotations

import subprocess
import sys

import skill_aug

WIDE = {"COLUMNS": "250", "SKILL_AUG_STRICT_PLUGINS": ""}


def test_version(cli):
    res = cli("skill-aug", "--version")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"skill-aug {skill_aug.__version__}"


def test_tasks_lists_the_builtin_tasks(cli):
    res = cli("skill-aug", "tasks", env=WIDE)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│ ")}
    assert {"women_dress", "shirt", "furniture"} <= set(rows)
    assert "skill-aug 0.1.0" in rows["shirt"]
    assert "neck, sleeve_left, sleeve_right, knee" in rows["women_dress"]
    for header in ("task", "plugin", "distribution", "local regions"):
        assert header in res.stdout


def test_tasks_strict_mode_with_only_builtin_plugins_passes(cli):
    res = cli("skill-aug", "tasks", env={**WIDE, "SKILL_AUG_STRICT_PLUGINS": "1"})
    assert res.returncode == 0, res.stderr


def test_no_arguments_prints_help(cli):
    res = cli("skill-aug")
    assert res.returncode in (0, 2)  # click >= 8.2 exits 2 after printing help for a bare command
    assert "Traceback" not in res.stderr
    assert "tasks" in res.stdout and "Usage" in res.stdout


def test_unknown_command_fails_without_traceback(cli):
    res = cli("skill-aug", "taks")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "taks" in res.stderr


def test_importing_skill_aug_loads_no_plugins_and_no_torch():
    code = ("import sys, skill_aug, skill_aug.plugins as p; "
            "assert p._registry is None, 'plugins loaded on import'; "
            "assert 'torch' not in sys.modules, 'torch imported on import'; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
