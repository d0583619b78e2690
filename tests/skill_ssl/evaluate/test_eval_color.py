"""Color IDs of synthetic images, and color entropy of color-blind vs color-encoding embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from skill_aug.errors import ConfigError
from skill_ssl.evaluate.color import (COLOR_NAMES, PALETTE_RGB, cluster_color_entropy, cluster_embeddings, color_id,
                                      color_ids, shuffled_color_entropy)


def solid(rgb, h=40, w=30) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (h, w, 3)).copy()


@pytest.mark.parametrize("name", COLOR_NAMES)
def test_solid_palette_swatch_is_its_own_color(name):
    rgb = PALETTE_RGB[COLOR_NAMES.index(name)]
    assert COLOR_NAMES[color_id(solid(rgb))] == name


@pytest.mark.parametrize("rgb,name", [
    ((255, 0, 0), "red"), ((0, 0, 255), "blue"), ((0, 128, 0), "green"), ((255, 255, 0), "yellow"),
    ((0, 0, 110), "navy"), ((128, 0, 128), "purple"), ((255, 165, 0), "orange"), ((255, 182, 193), "pink"),
    ((10, 10, 10), "black"), ((245, 245, 245), "white"), ((128, 128, 128), "grey"), ((128, 0, 32), "burgundy"),
    ((139, 90, 43), "brown"), ((128, 128, 0), "olive"), ((225, 205, 170), "beige"),
])
def test_everyday_solid_colors(rgb, name):
    assert COLOR_NAMES[color_id(solid(rgb, 64, 48))] == name


def test_product_on_white_background_gets_the_product_color():
    img = solid((255, 255, 255), 120, 90)
    img[30:100, 25:65] = (30, 60, 200)  # a blue garment covering a third of the photo
    assert COLOR_NAMES[color_id(img)] == "blue"
    big = np.kron(img, np.ones((5, 5, 1), dtype=np.uint8))  # larger photos are shrunk first: same answer
    assert COLOR_NAMES[color_id(big)] == "blue"


class _FakeHeadDetector:
    name = "fake"

    def __init__(self, box):
        self.box = box

    def detect(self, image):
        return self.box


def test_person_crop_looks_below_the_detected_head():
    img = solid((255, 255, 255), 200, 120)
    img[10:30, 50:70] = (230, 190, 160)   # head
    img[35:140, 40:80] = (30, 60, 200)    # blue top, inside the body box below the chin
    img[145:200, :] = (200, 30, 30)       # a red rug, larger than the top, mostly below the body box
    head = _FakeHeadDetector((50.0, 10.0, 70.0, 30.0))
    assert COLOR_NAMES[color_id(img, crop="none")] == "red"
    assert COLOR_NAMES[color_id(img, crop="person", detector=head)] == "blue"
    # no head found: the foreground rule decides
    assert COLOR_NAMES[color_id(img, crop="person", detector=_FakeHeadDetector(None))] == \
        COLOR_NAMES[color_id(img, crop="foreground")]
    with pytest.raises(ConfigError):
        color_id(img, crop="face")


def test_real_photos_get_a_palette_color(clothing_images):
    from skill_aug.io import read_image

    ids = color_ids([read_image(p) for p in clothing_images])
    assert ids.shape == (len(clothing_images),)
    assert ((ids >= 0) & (ids < len(COLOR_NAMES))).all()


SHAPES = ("disc", "square", "bar", "triangle")
COLORS = {"red": (210, 25, 25), "green": (30, 150, 50), "blue": (35, 70, 210), "yellow": (245, 215, 35),
          "purple": (125, 45, 160)}


def _render(shape: str, rgb, rng) -> np.ndarray:
    img = solid((255, 255, 255), 48, 48)
    yy, xx = np.mgrid[:48, :48]
    cy, cx = 24 + rng.integers(-3, 4), 24 + rng.integers(-3, 4)
    r = 13 + rng.integers(-2, 3)
    mask = {"disc": (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r,
            "square": (abs(yy - cy) <= r * 0.8) & (abs(xx - cx) <= r * 0.8),
            "bar": (abs(yy - cy) <= r) & (abs(xx - cx) <= r * 0.3),
            "triangle": (yy - cy + r >= 0) & (yy - cy <= r) & (abs(xx - cx) <= (yy - cy + r) / 2)}[shape]
    img[mask] = rgb
    return img


def test_color_blind_embeddings_have_higher_color_entropy():
    rng = np.random.default_rng(0)
    images, shape_of = [], []
    for s_i, shape in enumerate(SHAPES):
        for rgb in COLORS.values():
            for _ in range(3):
                images.append(_render(shape, rgb, rng))
                shape_of.append(s_i)
    ids = color_ids(images)
    assert [COLOR_NAMES[i] for i in ids[:15:3]] == list(COLORS)  # each rendered color is recognised

    fg = np.stack([(im.astype(int).sum(axis=2) < 700) for im in images]).astype(np.float32)
    shape_only = fg.reshape(len(images), 12, 4, 12, 4).mean(axis=(2, 4)).reshape(len(images), -1)  # ignores color
    mean_rgb = np.stack([im[m > 0].mean(axis=0) for im, m in zip(images, fg)]) / 255.0  # encodes only color
    color_only = mean_rgb + rng.normal(scale=0.01, size=mean_rgb.shape)

    L = len(SHAPES)
    blind = cluster_color_entropy(cluster_embeddings(shape_only, L), ids)
    aware = cluster_color_entropy(cluster_embeddings(color_only, L), ids)
    assert aware.mean < 0.3            # clusters of one color each
    assert blind.mean > 1.5            # shape clusters mix the colors (log2(5) = 2.32 if perfectly mixed)
    assert blind.mean > aware.mean + 1.0
    chance = shuffled_color_entropy(cluster_embeddings(shape_only, L), ids)  # fully color-blind reference
    assert abs(blind.mean - chance) < 0.3 and aware.mean < chance - 1.0
    assert sum(blind.sizes) == len(images) and blind.max_bits == pytest.approx(np.log2(len(COLOR_NAMES)))


def test_cluster_color_entropy_by_hand_and_bad_cluster_counts():
    e = cluster_color_entropy([0, 0, 1, 1, 1, 1], [2, 3, 5, 5, 5, 5])
    assert e.per_cluster == [1.0, 0.0] and e.mean == 0.5
    assert e.weighted_mean == pytest.approx((2 * 1.0 + 4 * 0.0) / 6)
    with pytest.raises(ConfigError):
        cluster_embeddings(np.zeros((3, 2)), 5)
