"""Region geometry: where the task-local crops land, from a known head box or a known silhouette."""

from __future__ import annotations

import numpy as np
import pytest

from skill_aug import get_task
from skill_aug.regions import clip_box, foreground_box

HEAD = (180.0, 60.0, 220.0, 110.0)  # 40 px wide, 50 px tall, centre x = 200
SIZE = (900, 400)  # (height, width)


def centre(box):
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def scale_about(box, s, anchor):
    ax, ay = anchor
    return (ax + s * (box[0] - ax), ay + s * (box[1] - ay), ax + s * (box[2] - ax), ay + s * (box[3] - ay))


def inside(inner, outer, tol=1e-6):
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


@pytest.fixture(scope="module")
def dress():
    return get_task("women_dress")


def test_women_dress_regions_from_the_head(dress):
    regions = dress.locate(HEAD, (0.0, 0.0, 400.0, 900.0), SIZE)
    assert set(regions) == set(dress.regions) == {"neck", "sleeve_left", "sleeve_right", "knee"}
    head_cx, head_w, head_h, chin = 200.0, 40.0, 50.0, 110.0

    neck = regions["neck"]
    assert centre(neck)[0] == pytest.approx(head_cx)  # centred under the head
    assert centre(neck)[1] > chin  # below the chin
    assert neck[1] < chin + 0.25 * head_h  # starts right at the chin, not lower down the torso
    assert neck[3] - neck[1] <= 1.5 * head_h

    left, right = regions["sleeve_left"], regions["sleeve_right"]
    assert left[2] < head_cx < right[0]  # beside the torso, on either side
    assert left[2] <= HEAD[0] and right[0] >= HEAD[2]  # outside the head's columns
    assert left[1] > chin and right[1] > chin  # from the shoulders down
    assert left[1] == pytest.approx(right[1]) and left[3] == pytest.approx(right[3])
    assert head_cx - left[0] == pytest.approx(right[2] - head_cx)  # mirror images about the head's axis
    assert head_cx - left[2] == pytest.approx(right[0] - head_cx)

    knee = regions["knee"]
    assert centre(knee)[0] == pytest.approx(head_cx)
    assert knee[1] > chin + 3 * head_h  # far below: about five head heights under the crown
    assert knee[1] > max(left[3], right[3])
    assert knee[2] - knee[0] > 2 * head_w


@pytest.mark.parametrize("anchor", [(200.0, 85.0), (180.0, 60.0)])
def test_women_dress_regions_scale_with_the_head(dress, anchor):
    small = dress.locate(HEAD, (0.0, 0.0, 400.0, 900.0), SIZE)
    big_head = scale_about(HEAD, 2.0, anchor)
    big = dress.locate(big_head, (0.0, 0.0, 400.0, 900.0), SIZE)
    for name in dress.regions:
        assert big[name] == pytest.approx(scale_about(small[name], 2.0, anchor)), name


def test_women_dress_regions_follow_a_moved_head(dress):
    moved = (HEAD[0] + 37, HEAD[1] + 11, HEAD[2] + 37, HEAD[3] + 11)
    a = dress.locate(HEAD, (0.0, 0.0, 400.0, 900.0), SIZE)
    b = dress.locate(moved, (0.0, 0.0, 400.0, 900.0), SIZE)
    for name in dress.regions:
        assert b[name] == pytest.approx((a[name][0] + 37, a[name][1] + 11, a[name][2] + 37, a[name][3] + 11))


def flat_lay(h=300, w=240, garment=(50, 40, 190, 260), seed=0) -> np.ndarray:
    """An off-white, slightly noisy background with a textured garment at ``garment`` (x0, y0, x1, y1)."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(238, 3, (h, w, 3)), 0, 255).astype(np.uint8)
    x0, y0, x1, y1 = garment
    patch = np.clip(rng.normal((40, 70, 140), 12, (y1 - y0, x1 - x0, 3)), 0, 255).astype(np.uint8)
    img[y0:y1, x0:x1] = patch
    return img


def test_foreground_box_finds_a_flat_lay_garment():
    garment = (50, 40, 190, 260)
    box = foreground_box(flat_lay(garment=garment))
    assert np.abs(np.array(box) - np.array(garment)).max() <= 3


def test_foreground_box_on_a_blank_or_full_photo_is_the_whole_image():
    blank = np.full((120, 80, 3), 250, np.uint8)
    assert foreground_box(blank) == (0.0, 0.0, 80.0, 120.0)
    with pytest.raises(ValueError):
        foreground_box(np.zeros((10, 10), np.uint8))


@pytest.mark.parametrize("task", ["women_dress", "shirt"])
def test_silhouette_fallback_places_regions_on_the_garment(task):
    spec = get_task(task)
    garment = (50, 40, 190, 260)
    img = flat_lay(garment=garment)
    fg = foreground_box(img)
    regions = spec.locate(None, fg, img.shape[:2])
    assert set(regions) == set(spec.regions)
    for name, box in regions.items():
        assert inside(box, fg), name
    neck = regions["neck"]
    assert centre(neck)[0] == pytest.approx(centre(fg)[0])  # top centre of the garment
    assert neck[1] == pytest.approx(fg[1]) and centre(neck)[1] < centre(fg)[1]
    left, right = regions["sleeve_left"], regions["sleeve_right"]
    assert left[0] == pytest.approx(fg[0]) and right[2] == pytest.approx(fg[2])
    assert centre(left)[1] < centre(fg)[1] and centre(right)[1] < centre(fg)[1]  # upper half
    if "knee" in regions:
        assert centre(regions["knee"])[1] > centre(fg)[1]  # lower half of the dress


def test_furniture_uses_the_silhouette_even_with_a_head():
    spec = get_task("furniture")
    fg = (20.0, 30.0, 220.0, 190.0)
    with_head = spec.locate(HEAD, fg, (200, 240))
    assert with_head == spec.locate(None, fg, (200, 240))
    assert all(inside(b, fg) for b in with_head.values())
    assert centre(with_head["top"])[1] < centre(with_head["base"])[1]


# --- clip_box -------------------------------------------------------------------------------------

def test_clip_box_inside_is_unchanged():
    assert clip_box((10, 20, 30, 40), (100, 100)) == (10.0, 20.0, 30.0, 40.0)


def test_clip_box_cuts_to_the_image():
    assert clip_box((-20, -5, 150, 80), (60, 100)) == (0.0, 0.0, 100.0, 60.0)


def test_clip_box_reversed_corners_are_sorted():
    assert clip_box((30, 40, 10, 20), (100, 100)) == (10.0, 20.0, 30.0, 40.0)


@pytest.mark.parametrize("box", [(500, 10, 600, 20), (-50, -50, -10, -10), (40, 40, 40, 40), (99.5, 0, 99.5, 100)])
def test_clip_box_degenerate_boxes_keep_min_side_inside(box):
    h, w = 80, 100
    x0, y0, x1, y1 = clip_box(box, (h, w), min_side=4)
    assert 0 <= x0 and x1 <= w and 0 <= y0 and y1 <= h
    assert x1 - x0 >= 4 - 1e-9 and y1 - y0 >= 4 - 1e-9


def test_clip_box_on_an_image_smaller_than_min_side():
    x0, y0, x1, y1 = clip_box((0, 0, 1, 1), (2, 3), min_side=4)
    assert (x0, y0, x1, y1) == (0.0, 0.0, 3.0, 2.0)  # the whole tiny image
