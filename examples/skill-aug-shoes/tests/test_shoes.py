"""The plugin author's own tests: run them with SKILL_AUG_STRICT_PLUGINS=1 so any plugin error fails."""

from __future__ import annotations

import pytest

from skill_aug import get_task, list_tasks
from skill_aug_shoes import REGIONS


def test_registered_through_the_entry_point():
    info = {i.spec.name: i for i in list_tasks()}["shoes"]
    assert info.plugin == "shoes"
    assert info.distribution.startswith("skill-aug-shoes ")


@pytest.mark.parametrize("silhouette", [(10.0, 40.0, 310.0, 160.0), (50.0, 20.0, 250.0, 300.0)])
def test_regions_lie_on_the_shoe(silhouette):
    regions = get_task("shoes").locate(None, silhouette, (320, 320))
    assert tuple(regions) == REGIONS
    for name, (x0, y0, x1, y1) in regions.items():
        assert silhouette[0] <= x0 < x1 <= silhouette[2], name
        assert silhouette[1] <= y0 < y1 <= silhouette[3], name


def test_side_view_has_the_toe_left_and_the_heel_right():
    regions = get_task("shoes").locate(None, (0.0, 0.0, 300.0, 120.0), (120, 300))
    assert regions["toe_box"][2] < regions["heel"][0]


def test_top_view_has_the_toes_up_and_the_heels_down():
    regions = get_task("shoes").locate(None, (0.0, 0.0, 200.0, 260.0), (260, 200))
    assert regions["toe_box"][3] < regions["heel"][1]
