"""The synthetic catalogue: determinism, labels that match the pixels, true boxes, manifest and CLI."""

from __future__ import annotations

import csv
import pickle
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.ndimage import binary_erosion

from skill_aug.errors import ConfigError, UnknownTaskError
from skill_aug.io import group_products, read_manifest
from skill_aug.synth import SynthCatalogue, SynthPhoto, SynthProduct, contact_sheet, write_catalogue
from skill_aug.synth.palette import PALETTE
from skill_aug.synth.patterns import PATTERN_SCALES
from skill_aug.tasks import get_task

TASKS = ("women_dress", "shirt", "furniture")


def _hue(rgb: np.ndarray) -> np.ndarray:
    """Hue in [0, 1) of ``(..., 3)`` RGB values."""
    rgb = rgb.astype(np.float64) / 255.0
    mx, mn = rgb.max(-1), rgb.min(-1)
    c = np.maximum(mx - mn, 1e-9)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    h = np.where(mx == r, ((g - b) / c) % 6, np.where(mx == g, (b - r) / c + 2, (r - g) / c + 4))
    return h / 6.0


def _hue_distance(a, b):
    d = np.abs(np.asarray(a) - b) % 1.0
    return np.minimum(d, 1.0 - d)


def _saturation(name: str) -> float:
    rgb = np.asarray(PALETTE[name], dtype=float)
    return (rgb.max() - rgb.min()) / max(rgb.max(), 1.0)


def _garment_pixels(photo, erode: int = 2) -> np.ndarray:
    core = binary_erosion(photo.mask > 0.99, iterations=erode)
    return photo.image[core]


def _find(catalogue: SynthCatalogue, want) -> int:
    for i in range(len(catalogue)):
        if want(catalogue.product(i)):
            return i
    raise AssertionError("no product in the catalogue has the wanted factors; raise its size")


# --- the Sequence and its determinism --------------------------------------------------------------------

@pytest.mark.parametrize("task", TASKS)
def test_catalogue_is_a_sequence_of_products(task):
    cat = SynthCatalogue(task, 5, photos=(2, 3), size=64, seed=1)
    assert len(cat) == 5
    p = cat[2]
    assert p.product_id == f"{task}-000002"
    assert 2 <= len(p.photos) <= 3 and len(p.boxes) == len(p.photos)
    for photo in p.photos:
        assert photo.dtype == torch.uint8 and tuple(photo.shape) == (3, 64, 64)
    assert p.labels["split"] in ("train", "validation", "test")
    assert "color" in p.labels and set(cat.design_factors) <= set(p.labels)
    assert cat[-1].product_id == f"{task}-000004"
    with pytest.raises(IndexError):
        cat[5]


def test_same_seed_same_pixels_in_any_order_and_different_seed_differs():
    a = SynthCatalogue("women_dress", 6, size=64, seed=3)
    b = SynthCatalogue("women_dress", 6, size=64, seed=3)
    c = SynthCatalogue("women_dress", 6, size=64, seed=4)
    later = [b[i] for i in reversed(range(6))][::-1]  # rendered in the opposite order, by another object
    for i in range(6):
        pa = a[i]
        assert pa.labels == later[i].labels and pa.boxes == later[i].boxes
        assert all(torch.equal(x, y) for x, y in zip(pa.photos, later[i].photos))
    assert any(a.labels(i) != c.labels(i) for i in range(6))
    assert not torch.equal(a[0].photos[0], c[0].photos[0])


def test_written_catalogue_is_identical_across_runs_and_worker_counts(tmp_path):
    cat = SynthCatalogue("shirt", 6, photos=2, size=64, seed=5)
    m1 = write_catalogue(cat, tmp_path / "one", workers=1)
    m2 = write_catalogue(SynthCatalogue("shirt", 6, photos=2, size=64, seed=5), tmp_path / "two", workers=2)
    assert m1.read_bytes() == m2.read_bytes()
    for img in sorted((tmp_path / "one" / "images").iterdir()):
        assert img.read_bytes() == (tmp_path / "two" / "images" / img.name).read_bytes()
    m3 = write_catalogue(SynthCatalogue("shirt", 6, photos=2, size=64, seed=6), tmp_path / "three")
    assert m3.read_bytes() != m1.read_bytes()


def test_splits_are_by_product_and_seeded():
    cat = SynthCatalogue("furniture", 50, seed=2)
    counts = {s: len(cat.indices(s)) for s in ("train", "validation", "test")}
    assert counts == {"train": 40, "validation": 5, "test": 5}
    assert [cat.split(i) for i in range(50)] == [SynthCatalogue("furniture", 50, seed=2).split(i) for i in range(50)]
    assert [cat.split(i) for i in range(50)] != [SynthCatalogue("furniture", 50, seed=9).split(i) for i in range(50)]
    test = cat.subset("test")
    assert len(test) == 5 and all(p.labels["split"] == "test" for p in test[:2])


# --- labels match the pixels ------------------------------------------------------------------------------

def test_solid_garment_has_one_dominant_hue_and_a_pattern_does_not():
    cat = SynthCatalogue("women_dress", 80, size=128, seed=0)
    solid = _find(cat, lambda p: p.design["pattern"] == "solid" and _saturation(p.nuisance["color"]) > 0.6)
    product, photos = cat.render(solid)
    want = _hue(np.asarray(PALETTE[product.nuisance["color"]]))
    for photo in photos:
        px = _garment_pixels(photo)
        assert len(px) > 100
        assert np.mean(_hue_distance(_hue(px), want) < 0.04) > 0.95, product.labels

    def two_hues(p):
        return (p.design["pattern"] in ("striped", "checkered") and p.design["pattern_scale"] == "large"
                and min(_saturation(p.nuisance["color"]), _saturation(p.nuisance["accent_color"])) > 0.6
                and _hue_distance(_hue(np.asarray(PALETTE[p.nuisance["color"]])),
                                  _hue(np.asarray(PALETTE[p.nuisance["accent_color"]]))) > 0.15)

    product, photos = cat.render(_find(cat, two_hues))
    base = _hue(np.asarray(PALETTE[product.nuisance["color"]]))
    assert np.mean(_hue_distance(_hue(_garment_pixels(photos[0])), base) < 0.04) < 0.85


def _stripe_spectrum(photo, vertical_stripes: bool, base, accent) -> tuple[np.ndarray, float]:
    """Power spectrum of the colour profile across the stripes (the image projected on accent - base),
    along the garment's longest straight run of pixels."""
    mask = binary_erosion(photo.mask > 0.99, iterations=1)
    direction = np.asarray(accent, float) - np.asarray(base, float)
    signal = photo.image.astype(float) @ (direction / max(np.linalg.norm(direction), 1e-9))
    if vertical_stripes:  # profile along a row
        mask, signal = mask.T, signal.T
    best = (0, 0, 0)
    for col in range(mask.shape[1]):
        padded = np.concatenate([[0], mask[:, col].astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(padded))
        for start, stop in zip(edges[::2], edges[1::2]):
            best = max(best, (stop - start, col, start))
    n, col, r0 = best
    profile = signal[r0:r0 + n, col] - signal[r0:r0 + n, col].mean()
    return np.abs(np.fft.rfft(profile * np.hanning(n))) ** 2, float(n)


@pytest.mark.parametrize("task,vertical", [("women_dress", False), ("shirt", True)])
def test_striped_garment_has_a_periodic_profile_at_its_pattern_scale(task, vertical):
    cat = SynthCatalogue(task, 150, size=128, seed=0, person_p=0.0)
    i = _find(cat, lambda p: p.design["pattern"] == "striped" and p.design["pattern_scale"] != "small")
    product, photos = cat.render(i)
    base, accent = PALETTE[product.nuisance["color"]], PALETTE[product.nuisance["accent_color"]]
    for photo in photos:
        power, n = _stripe_spectrum(photo, vertical, base, accent)
        expected = n / (PATTERN_SCALES[product.design["pattern_scale"]] * photo.nuisance["pixels_per_unit"])
        peak = int(np.argmax(power[1:])) + 1
        assert abs(peak - expected) <= 1.5, (peak, expected)
        assert power[peak - 1:peak + 2].sum() > 0.6 * power[1:].sum()
    # a solid garment has no such peak (same colour direction, same frequency)
    solid = _find(cat, lambda p: p.design["pattern"] == "solid")
    photo = cat.render(solid)[1][0]
    power, n = _stripe_spectrum(photo, vertical, base, accent)
    k = int(round(n / (PATTERN_SCALES[product.design["pattern_scale"]] * photo.nuisance["pixels_per_unit"])))
    assert power[k - 1:k + 2].sum() < 0.35 * power[1:].sum()


def test_photos_of_a_product_share_design_and_colour_but_not_pose():
    cat = SynthCatalogue("women_dress", 60, photos=4, size=96, seed=0, person_p=1.0)
    i = _find(cat, lambda p: p.design["pattern"] == "solid" and _saturation(p.nuisance["color"]) > 0.6)
    product, photos = cat.render(i)
    hues = [np.median(_hue(_garment_pixels(ph))) for ph in photos]
    assert max(_hue_distance(hues, hues[0])) < 0.03
    assert all(cat[i].labels == cat[i].labels for _ in range(2))
    poses = {(ph.nuisance["angle"], ph.nuisance["shift"]) for ph in photos}
    assert len(poses) == len(photos)
    centroids = [np.argwhere(ph.mask > 0.5).mean(0) for ph in photos]
    assert max(np.abs(c - centroids[0]).max() for c in centroids) > 1.0
    heads = [ph.boxes["head"] for ph in photos]
    assert len(set(heads)) == len(heads)


# --- true boxes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("task", TASKS)
def test_boxes_lie_inside_the_image_and_name_every_region(task):
    size = 96
    cat = SynthCatalogue(task, 12, size=size, seed=7, person_p=0.6)
    regions = set(get_task(task).regions)
    heads = 0
    for i in range(len(cat)):
        for boxes in cat[i].boxes:
            assert regions <= set(boxes)
            for name, (x0, y0, x1, y1) in boxes.items():
                assert 0 <= x0 < x1 <= size and 0 <= y0 < y1 <= size, (name, (x0, y0, x1, y1))
            if "head" in boxes:
                heads += 1
                head, neck = boxes["head"], boxes["neck"]
                assert head[1] < neck[1] and (head[1] + head[3]) / 2 < (neck[1] + neck[3]) / 2
                if "knee" in boxes:
                    assert boxes["knee"][1] > neck[3]
    if task != "furniture":
        assert heads > 0


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_regions_placed_from_the_true_head_land_on_the_garment_parts():
    """The built-in women_dress task, given our head box, finds our neckline, sleeves and knees."""
    cat = SynthCatalogue("women_dress", 10, size=128, seed=11, person_p=1.0)
    task = get_task("women_dress")
    for i in range(len(cat)):
        for boxes in cat[i].boxes:
            located = task.locate(boxes["head"], (0, 0, 128, 128), (128, 128))
            assert _iou(located["neck"], boxes["neck"]) > 0.5
            assert _iou(located["knee"], boxes["knee"]) > 0.2
            for side in ("sleeve_left", "sleeve_right"):
                t, loc = boxes[side], located[side]
                cx = (loc[0] + loc[2]) / 2
                assert _iou(loc, t) > 0.1 and (cx < 64) == (side == "sleeve_left")


def test_dataloader_workers_render_the_same_products_with_their_given_regions():
    """The trainer's path: ProductDataset over the catalogue, prepared by the task's space, two workers."""
    from skill_aug.dataset import ProductDataset, collate_products
    from skill_aug.space import AugmentationSpace

    cat = SynthCatalogue("women_dress", 4, photos=2, size=64, seed=2)
    dataset = ProductDataset(cat, AugmentationSpace.from_task("women_dress", seed=0))
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, num_workers=2, collate_fn=collate_products)
    products = [p for batch in loader for p in batch.products]
    assert [p.product_id for p in products] == [cat.product_id(i) for i in range(4)]
    for i, p in enumerate(products):
        assert all(torch.equal(a, b) for a, b in zip(p.photos, cat[i].photos))
        assert p.region_source == ["given"] * len(p.photos)
        assert p.regions[0]["neck"] == cat[i].boxes[0]["neck"]


# --- manifest, CLI, errors ---------------------------------------------------------------------------------

def test_read_manifest_reads_the_written_catalogue(tmp_path):
    cat = SynthCatalogue("women_dress", 5, photos=(2, 4), size=64, seed=0, person_p=0.5)
    manifest = write_catalogue(cat, tmp_path / "dress")
    records, skipped = read_manifest(manifest)
    assert not skipped
    assert len(records) == sum(cat.photo_count(i) for i in range(5))
    groups = group_products(records)
    assert list(groups) == [cat.product_id(i) for i in range(5)]
    for i, (pid, recs) in enumerate(groups.items()):
        want = cat.labels(i)
        for rec in recs:
            assert rec.split == want["split"]
            assert rec.labels == {k: v for k, v in want.items() if k != "split"}
            assert {"neck", "sleeve_left", "sleeve_right", "knee"} <= set(rec.boxes)
    assert any("head" in r.boxes for r in records) and any("head" not in r.boxes for r in records)
    rendered = cat[0]
    assert [r.boxes for r in groups[cat.product_id(0)]] == [
        {k: tuple(round(v, 1) for v in b) for k, b in boxes.items()} for boxes in rendered.boxes]
    with pytest.raises(ConfigError, match="already holds a catalogue"):
        write_catalogue(cat, tmp_path / "dress")


def test_cli_writes_products_and_a_manifest(cli, tmp_path):
    out = tmp_path / "furniture"
    sheet = tmp_path / "sheet.png"
    res = cli("skill-aug", "synth", "--task", "furniture", "--products", "4", "--out", str(out),
              "--size", "64", "--photos", "2", "--seed", "1", "--sheet", str(sheet))
    assert res.returncode == 0, res.stderr
    with (out / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8 and len({r["product_id"] for r in rows}) == 4
    assert {"image", "product_id", "split", "category", "color", "box_top"} <= set(rows[0])
    assert all((out / r["image"]).is_file() for r in rows)
    assert (out / "synth.json").is_file() and sheet.is_file()
    assert "wrote 8 images of 4 furniture products" in res.stdout


def test_cli_unknown_task_is_one_line(cli, tmp_path):
    res = cli("skill-aug", "synth", "--task", "dresss", "--products", "2", "--out", str(tmp_path / "x"))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "unknown task 'dresss'" in lines[0] and "women_dress" in lines[0]


def test_bad_settings_are_config_errors():
    for kwargs in ({"photos": "5-3"}, {"photos": "three"}, {"n_products": 0}, {"size": 8}, {"person_p": 2.0},
                   {"seed": -1}):
        args = {"task": "shirt", "n_products": 3, **kwargs}
        with pytest.raises(ConfigError):
            SynthCatalogue(**args)


def test_generators_come_from_the_plugins_and_a_task_without_one_is_named(fresh_plugins):
    from skill_aug import TaskSpec, hookimpl
    from skill_aug.plugins import get_registry, load_registry, reset_registry

    reg = get_registry()
    assert {t: reg.owner[("generator", t)] for t in TASKS} == {t: t for t in TASKS}

    plugin = types.ModuleType("no_generator_plugin")
    plugin.register_tasks = hookimpl(lambda register: register(
        TaskSpec(name="lamps", regions=("shade",), locate=lambda head, sil, size: {"shade": sil})))
    reset_registry(load_registry(extra_plugins=(plugin,)))
    with pytest.raises(ConfigError, match="task 'lamps' has no synthetic catalogue generator.*furniture"):
        SynthCatalogue("lamps", 3)
    with pytest.raises(UnknownTaskError, match="known tasks: furniture, shirt, women_dress"):
        SynthCatalogue("lampz", 3)


class _Tile(SynthProduct):
    """A minimal third-party product: a square or a disc on grey."""

    def __init__(self, rng, size):
        self.size = size
        self.design = {"shape": str(rng.choice(["square", "disc"]))}
        self.nuisance = {"color": "red"}

    def render(self, rng, index):
        n = self.size
        yy, xx = np.mgrid[0:n, 0:n]
        c = n / 2 + rng.uniform(-4, 4)
        inside = (np.abs(xx - c) < n / 4) & (np.abs(yy - c) < n / 4) if self.design["shape"] == "square" \
            else np.hypot(xx - c, yy - c) < n / 4
        image = np.where(inside[..., None], np.array([200, 30, 40], np.uint8), np.uint8(128))
        return SynthPhoto(image=image.astype(np.uint8), boxes={}, mask=inside.astype(np.float32))


def test_a_plugin_generator_works_end_to_end_even_as_a_lambda(fresh_plugins, tmp_path):
    from skill_aug import hookimpl
    from skill_aug.plugins import load_registry, reset_registry

    plugin = types.ModuleType("tile_plugin")
    plugin.register_generators = hookimpl(lambda register: register("tiles", lambda rng, size, **o: _Tile(rng, size)))
    reset_registry(load_registry(extra_plugins=(plugin,)))
    cat = SynthCatalogue("tiles", 6, photos=2, size=32, seed=0)
    assert cat.design_factors == ("shape",) and cat[0].labels["color"] == "red"
    again = pickle.loads(pickle.dumps(cat))  # the lambda is looked up again by task name
    assert torch.equal(again[3].photos[1], cat[3].photos[1])
    records, _ = read_manifest(write_catalogue(cat, tmp_path / "tiles", workers=2))
    assert len(records) == 12 and {r.labels["shape"] for r in records} <= {"square", "disc"}


def test_contact_sheet_has_a_row_per_product():
    cat = SynthCatalogue("shirt", 3, photos=2, size=64)
    sheet = contact_sheet(cat, [0, 1, 2], max_photos=2, label_width=120)
    assert sheet.size == (120 + 3 * (64 + 4) + 4, 3 * (64 + 4) + 4)
    assert len(set(np.asarray(sheet).reshape(-1, 3)[::7].tobytes())) > 1


def test_docs_preview_images_exist():
    root = Path(__file__).resolve().parents[2]
    for task in TASKS:
        assert (root / "docs" / "images" / f"synth-{task}.png").is_file(), "regenerate with the docs' command"
