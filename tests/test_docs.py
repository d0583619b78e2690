"""docs/writing-a-plugin.md documents every hook and every TaskSpec field; every hook has a docstring."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from skill_aug import hookspecs
from skill_aug.tasks import TaskSpec

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "writing-a-plugin.md"
HOOKS = sorted(name for name, obj in vars(hookspecs).items()
               if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.PROJECT}_spec"))


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text()


def test_the_hookspecs_are_found():
    assert {"register_tasks", "register_detectors"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc.split()) >= 10, f"hookspec {hook} needs a docstring saying what to register and how"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_section_in_the_guide(guide, hook):
    heading = re.compile(rf"^#+ .*`{hook}\(", re.MULTILINE)
    assert heading.search(guide), f"add a '### `{hook}(register)`' section to {GUIDE.relative_to(REPO)}"
    assert f"def {hook}(register):" in guide, f"add an example implementation of {hook} to the guide"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_example_uses_its_real_arguments(guide, hook):
    params = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert re.search(rf"`{hook}\({', '.join(params)}\)`", guide), f"document {hook}({', '.join(params)})"


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(TaskSpec)])
def test_taskspec_field_is_documented(guide, field):
    assert re.search(rf"^\| `{field}` \|", guide, re.MULTILINE), f"add TaskSpec.{field} to the fields table"


def test_documented_fields_exist(guide):
    """The fields table lists no field TaskSpec does not have (the table is the section after its heading)."""
    section = guide.split("## 4. `TaskSpec` fields", 1)[1].split("\n## ", 1)[0]
    table = [m.group(1) for m in re.finditer(r"^\| `(\w+)` \|", section, re.MULTILINE)]
    assert table and set(table) == {f.name for f in dataclasses.fields(TaskSpec)}


def test_strict_mode_and_example_are_mentioned(guide):
    assert "SKILL_AUG_STRICT_PLUGINS=1" in guide
    assert "examples/skill-aug-shoes" in guide
    assert (REPO / "examples" / "skill-aug-shoes" / "pyproject.toml").is_file()


def test_region_helpers_in_the_guide_exist(guide):
    from skill_aug import regions

    section = guide.split("## 5. Region geometry helpers", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"^\| `(\w+)\(", section, re.MULTILINE)
    assert named
    for name in named:
        assert callable(getattr(regions, name, None)), f"skill_aug.regions.{name} is documented but missing"
