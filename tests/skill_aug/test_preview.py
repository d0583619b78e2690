"""`skill-aug preview` through real subprocesses, and the grid renderer in process."""

from __future__ import annotations

import numpy as np
from PIL import Image

from skill_aug.preview import grid_size, render_preview


def test_preview_with_no_image_uses_the_bundled_sample(cli, tmp_path):
    out = tmp_path / "preview.png"
    res = cli("skill-aug", "preview", "--task", "women_dress", "--out", str(out))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "regions from head" in lines[0]
    with Image.open(out) as im:
        assert im.format == "PNG"
        # 1 source + 2 G_h | 8 G_l | 4 regions -> 8 columns, 3 rows of 192 px cells
        assert im.size == grid_size(1, 2, 8, 4) == (8 + 8 * 200, 8 + 3 * 220)


def test_preview_of_several_photos(cli, tmp_path, clothing_images):
    out = tmp_path / "sub" / "grid.png"
    res = cli("skill-aug", "preview", "--task", "shirt", str(clothing_images[0]), str(clothing_images[5]),
              "--out", str(out), "--seed", "3", "--n-low", "2", "--no-head")
    assert res.returncode == 0, res.stderr
    assert "2 image(s)" in res.stdout and "silhouette" in res.stdout
    with Image.open(out) as im:
        assert im.size == grid_size(2, 2, 2, 3) == (8 + 3 * 200, 8 + 2 * 3 * 220)


def test_unknown_task_is_one_line_with_a_suggestion(cli, tmp_path):
    res = cli("skill-aug", "preview", "--task", "women_dres", "--out", str(tmp_path / "x.png"))
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.strip().splitlines() if "warning: plugin" not in ln]
    assert len(lines) == 1 and "did you mean 'women_dress'" in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "x.png").exists()


def test_unreadable_image_is_one_line(cli, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 garbage")
    res = cli("skill-aug", "preview", "--task", "shirt", str(bad), "--out", str(tmp_path / "x.png"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if "warning: plugin" not in ln]
    assert len(lines) == 1 and "broken.jpg" in lines[0]


def test_render_preview_in_process_draws_the_regions(tmp_path):
    result = render_preview(None, task="furniture", out=tmp_path / "f.png", n_low=0, cell=64)
    assert result.sources == ["silhouette"] and result.size == grid_size(1, 2, 0, 3, cell=64)
    with Image.open(result.path) as im:
        assert im.size == result.size
        # the source cell shows boxes in the region colours on top of the photo
        src = im.convert("RGB").crop((8, 8 + 20, 8 + 64, 8 + 20 + 64))
        colors = {tuple(c) for c in np.asarray(src).reshape(-1, 3).tolist()}
        assert (40, 200, 255) in colors or (255, 200, 0) in colors
