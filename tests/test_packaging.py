"""pyproject.toml lists every package, and its console scripts and entry points point at real code."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
#: source folder -> the package name it installs as
ROOTS = {"skill_aug": "skill_aug", "skill_ssl": "skill_ssl", "plugins": "skill_aug_plugins"}


def source_packages() -> set[str]:
    found = set()
    for folder, name in ROOTS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(REPO / folder).parts
            found.add(".".join((name, *rel)))
    return found


def module_file(module: str) -> Path:
    """The source file of a dotted module name, following ``package-dir``."""
    parts = module.split(".")
    base = SETUPTOOLS.get("package-dir", {}).get(parts[0], parts[0])
    path = REPO / base / Path(*parts[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            return True
    return False


def test_every_package_is_listed():
    listed = set(SETUPTOOLS["packages"])
    missing = source_packages() - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_every_listed_package_exists():
    for package in SETUPTOOLS["packages"]:
        assert module_file(package).name == "__init__.py" and module_file(package).is_file(), package


def test_builtin_plugins_map_to_skill_aug_plugins():
    assert SETUPTOOLS["package-dir"]["skill_aug_plugins"] == "plugins"
    assert (REPO / "plugins" / "__init__.py").is_file()


@pytest.mark.parametrize("script", ["skill-aug", "skill-ssl"])
def test_console_scripts_point_at_real_functions(script):
    target = PYPROJECT["project"]["scripts"][script]
    module, func = target.split(":")
    path = module_file(module)
    assert path.is_file(), f"{script} = {target!r}: {path.relative_to(REPO)} does not exist"
    assert defines(path, func), f"{script} = {target!r}: {path.relative_to(REPO)} defines no {func}()"
    assert (Path(sys.executable).parent / script).exists(), f"{script} is not installed; pip install -e ."


def test_plugin_entry_points_point_at_real_modules_and_are_installed():
    declared = PYPROJECT["project"]["entry-points"]["skill_aug"]
    for name, module in declared.items():
        assert module_file(module).is_file(), f"entry point {name} = {module!r} has no source file"
    installed = {ep.name: ep.value for ep in metadata.entry_points(group="skill_aug")
                 if ep.dist is not None and ep.dist.name == "skill-aug"}
    assert installed == declared, "the installed metadata is stale; run pip install -e ."


def test_package_data_patterns_match_files():
    for package, patterns in SETUPTOOLS.get("package-data", {}).items():
        for pattern in patterns:
            base = module_file(package).parent
            assert any(base.glob(pattern)) or (base / Path(pattern).parent).is_dir(), (package, pattern)
