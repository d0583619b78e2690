"""Image decoding and manifests on bad input: every case is generated in tmp_path with PIL/numpy."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skill_aug.errors import ImageError, ManifestError
from skill_aug.io import group_products, load_records, read_image, read_manifest, scan_folder


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def assert_one_line_error(exc_info, path: Path) -> str:
    msg = str(exc_info.value)
    assert str(path) in msg
    assert "\n" not in msg
    return msg


# --- files that cannot be read: one line naming the file ------------------------------------------

@pytest.mark.parametrize("keep_header, expected", [(20, "corrupt or truncated image"), (0, "not an image file")])
def test_corrupt_bytes(tmp_path, keep_header, expected):
    good = tmp_path / "good.jpg"
    Image.fromarray(noise(64, 48)).save(good)
    bad = tmp_path / "corrupt.jpg"
    bad.write_bytes(good.read_bytes()[:keep_header] + np.random.default_rng(1).bytes(600))
    with pytest.raises(ImageError) as info:
        read_image(bad)
    assert expected in assert_one_line_error(info, bad)


def test_truncated_jpeg_is_refused_not_half_decoded(tmp_path):
    good = tmp_path / "good.jpg"
    Image.fromarray(noise(64, 48)).save(good, quality=95)
    bad = tmp_path / "truncated.jpg"
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError) as info:
        read_image(bad)
    assert "truncated" in assert_one_line_error(info, bad)


def test_damaged_but_complete_jpeg_decodes_with_artefacts(tmp_path):
    """The documented recovery: libjpeg decodes a complete file whose scan data has flipped bytes."""
    img = noise(64, 48)
    good = tmp_path / "good.jpg"
    Image.fromarray(img).save(good, quality=95)
    data = bytearray(good.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 40] = bytes(b ^ 0x5A for b in data[mid:mid + 40])
    bad = tmp_path / "damaged.jpg"
    bad.write_bytes(bytes(data))
    out = read_image(bad)
    assert out.shape == (64, 48, 3)
    assert not np.array_equal(out, read_image(good))


def test_zero_byte_file(tmp_path):
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    with pytest.raises(ImageError) as info:
        read_image(bad)
    assert "empty" in assert_one_line_error(info, bad)


def test_text_file(tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a photo\nsecond line\n")
    with pytest.raises(ImageError) as info:
        read_image(bad)
    assert "not an image file" in assert_one_line_error(info, bad)


def test_directory(tmp_path):
    folder = tmp_path / "photos.jpg"
    folder.mkdir()
    with pytest.raises(ImageError) as info:
        read_image(folder)
    assert "is a directory" in assert_one_line_error(info, folder)


def test_missing_path(tmp_path):
    missing = tmp_path / "nope" / "missing.jpg"
    with pytest.raises(ImageError) as info:
        read_image(missing)
    assert "no such file" in assert_one_line_error(info, missing)


# --- unusual but valid files: the right pixels ----------------------------------------------------

def test_plain_rgb_png_roundtrip(tmp_path):
    img = noise(30, 20)
    path = tmp_path / "rgb.png"
    Image.fromarray(img).save(path)
    out = read_image(path)
    assert out.dtype == np.uint8 and out.shape == (30, 20, 3)
    np.testing.assert_array_equal(out, img)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    img = np.zeros((40, 60, 3), np.uint8)
    img[:, :30] = (200, 40, 30)
    img[:, 30:] = (20, 60, 220)
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(img).convert("CMYK").save(path, quality=95)
    assert Image.open(path).mode == "CMYK"
    out = read_image(path)
    assert out.shape == (40, 60, 3)
    assert np.abs(out[20, 10].astype(int) - (200, 40, 30)).max() <= 12
    assert np.abs(out[20, 50].astype(int) - (20, 60, 220)).max() <= 12


def test_16bit_grey_png_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 50 * 40).reshape(50, 40).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    out = read_image(path)
    assert out.shape == (50, 40, 3)
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    expected = np.round(ramp / 65535 * 255).astype(int)
    assert np.abs(out[..., 0].astype(int) - expected).max() <= 1
    assert out.min() == 0 and out.max() == 255


def _palette_image(path: Path, transparency: int | None) -> None:
    idx = np.zeros((10, 12), np.uint8)
    idx[:, 6:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 6))
    if transparency is None:
        im.save(path)
    else:
        im.save(path, transparency=transparency)


def test_palette_png(tmp_path):
    path = tmp_path / "palette.png"
    _palette_image(path, transparency=None)
    out = read_image(path)
    assert out.shape == (10, 12, 3)
    assert tuple(out[5, 2]) == (255, 0, 0) and tuple(out[5, 9]) == (0, 255, 0)


def test_palette_png_with_transparency_on_white(tmp_path):
    path = tmp_path / "palette_t.png"
    _palette_image(path, transparency=1)  # the green entry is transparent
    out = read_image(path)
    assert tuple(out[5, 2]) == (255, 0, 0) and tuple(out[5, 9]) == (255, 255, 255)


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 2] = 255  # blue
    rgba[0, :, 3] = 0  # transparent row
    rgba[1, :, 3] = 255  # opaque row
    rgba[2, :, 3] = 128  # half
    path = tmp_path / "rgba.png"
    Image.fromarray(rgba, "RGBA").save(path)
    out = read_image(path)
    assert out.shape == (4, 4, 3)
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[1, 0]) == (0, 0, 255)
    assert np.abs(out[2, 0].astype(int) - (127, 127, 255)).max() <= 1


def test_exif_orientation_6_rotates_and_swaps_sides(tmp_path):
    stored = np.zeros((20, 40, 3), np.uint8)
    stored[:, :20] = (255, 0, 0)  # left half red
    stored[:, 20:] = (0, 0, 255)  # right half blue
    im = Image.fromarray(stored)
    exif = im.getexif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif, quality=95)
    out = read_image(path)
    assert out.shape == (40, 20, 3)  # width and height swapped
    # turned clockwise, the stored left edge is now at the top
    assert np.abs(out[5, 10].astype(int) - (255, 0, 0)).max() <= 10
    assert np.abs(out[35, 10].astype(int) - (0, 0, 255)).max() <= 10


def test_tiny_image_is_returned_as_is(tmp_path):
    img = noise(2, 3)
    path = tmp_path / "tiny.png"
    Image.fromarray(img).save(path)
    out = read_image(path)
    np.testing.assert_array_equal(out, img)


def test_huge_jpeg_is_downscaled_on_decode(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("RGB", (6000, 4000), (200, 30, 40)).save(path, quality=80)
    out = read_image(path, max_side=512)
    assert out.shape == (341, 512, 3)
    assert np.abs(out[170, 256].astype(int) - (200, 30, 40)).max() <= 6
    full_side = read_image(path)  # default max_side
    assert max(full_side.shape[:2]) == 1024


def test_max_side_none_keeps_full_size(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(noise(30, 1500)).save(path)
    assert read_image(path, max_side=None).shape == (30, 1500, 3)
    assert read_image(path, max_side=300).shape == (6, 300, 3)


# --- manifests -------------------------------------------------------------------------------------

def write_manifest(folder: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.csv"
    columns = columns or list(rows[0])
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_images(folder: Path, names: list[str]) -> None:
    for i, name in enumerate(names):
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(noise(8, 8, seed=i)).save(p)


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError) as info:
        read_manifest(tmp_path / "manifest.csv")
    assert "no such manifest" in assert_one_line_error(info, tmp_path / "manifest.csv")
    with pytest.raises(ManifestError):
        load_records(tmp_path / "nothing-here.csv")


def test_manifest_without_image_column(tmp_path):
    path = write_manifest(tmp_path, [{"file": "a.jpg", "label": "x"}])
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    msg = assert_one_line_error(info, path)
    assert "no 'image' column" in msg and "file, label" in msg


@pytest.mark.parametrize("bad", ["../outside.jpg", "sub/../../outside.jpg", "/etc/passwd"])
def test_manifest_path_escaping_the_data_root(tmp_path, bad):
    root = tmp_path / "data"
    make_images(tmp_path, ["outside.jpg"])
    path = write_manifest(root, [{"image": bad}])
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    msg = assert_one_line_error(info, path)
    assert "leaves the data folder" in msg and bad in msg and "row 1" in msg


def test_manifest_symlinked_folder_inside_root_is_allowed(tmp_path):
    make_images(tmp_path / "elsewhere", ["a.png"])
    root = tmp_path / "data"
    root.mkdir()
    (root / "imgs").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    records, _ = read_manifest(write_manifest(root, [{"image": "imgs/a.png"}]))
    assert read_image(records[0].image).shape == (8, 8, 3)


def test_manifest_missing_images_error_by_default_and_skip_on_request(tmp_path):
    make_images(tmp_path, ["a.png", "c.png"])
    rows = [{"image": n, "product_id": "p1" if n != "c.png" else "p2"} for n in ("a.png", "b.png", "c.png", "d.png")]
    path = write_manifest(tmp_path, rows)
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    msg = assert_one_line_error(info, path)
    assert "2 listed image(s) do not exist" in msg and "'b.png' (row 2)" in msg and "--skip-missing" in msg
    records, skipped = read_manifest(path, skip_missing=True)
    assert [r.image.name for r in records] == ["a.png", "c.png"]
    assert skipped == ["missing: 'b.png' (row 2)", "missing: 'd.png' (row 4)"]
    assert list(group_products(records)) == ["p1", "p2"]


def test_manifest_all_missing_is_an_error_even_when_skipping(tmp_path):
    path = write_manifest(tmp_path, [{"image": "gone.png"}])
    with pytest.raises(ManifestError) as info:
        read_manifest(path, skip_missing=True)
    assert "no usable images" in assert_one_line_error(info, path)


@pytest.mark.parametrize("box", ["1 2 3", "a b c d", "10 10 5 20", "0 0 nan 4", "0 0 inf 4", "5 5 5 9"])
def test_manifest_bad_box_values(tmp_path, box):
    make_images(tmp_path, ["a.png"])
    path = write_manifest(tmp_path, [{"image": "a.png", "box_head": box}])
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    msg = assert_one_line_error(info, path)
    assert "row 1" in msg and repr(box) in msg


def test_manifest_boxes_labels_and_products(tmp_path):
    make_images(tmp_path, ["x/1.png", "x/2.png", "y/3.png"])
    rows = [
        {"image": "x/1.png", "product_id": "dress-1", "split": "train", "color": "red", "box_head": "1 2 5 6"},
        {"image": "x/2.png", "product_id": "dress-1", "split": "train", "color": "blue", "box_head": ""},
        {"image": "./y/3.png", "product_id": "", "split": "", "color": "red", "box_head": "0,0,4,4"},
    ]
    records, skipped = read_manifest(write_manifest(tmp_path, rows))
    assert skipped == []
    assert records[0].boxes == {"head": (1.0, 2.0, 5.0, 6.0)} and records[1].boxes == {}
    assert records[2].boxes == {"head": (0.0, 0.0, 4.0, 4.0)}
    assert [r.labels for r in records] == [{"color": "red"}, {"color": "blue"}, {"color": "red"}]
    assert records[2].product_id == "./y/3.png" and records[2].split is None
    groups = group_products(records)
    assert [len(g) for g in groups.values()] == [2, 1]


def test_folder_with_no_images(tmp_path):
    (tmp_path / "readme.txt").write_text("no photos here")
    with pytest.raises(ManifestError) as info:
        scan_folder(tmp_path)
    assert "holds no images" in assert_one_line_error(info, tmp_path)
    with pytest.raises(ManifestError):
        load_records(tmp_path)


def test_scan_folder_labels_from_subfolders(tmp_path):
    make_images(tmp_path, ["shoes/a.jpg", "shoes/b.png", "hat/c.png", "loose.png"])
    (tmp_path / "hat" / "notes.txt").write_text("ignored")
    records, skipped = load_records(tmp_path)
    assert skipped == []
    assert {r.image.name: r.labels.get("label") for r in records} == {
        "a.jpg": "shoes", "b.png": "shoes", "c.png": "hat", "loose.png": None}


def test_real_clothing_manifest(clothing_dir):
    records, skipped = load_records(clothing_dir)
    assert len(records) == 3781 and skipped == []
    assert {"train", "test"} <= {r.split for r in records}
    labels = {r.labels["label"] for r in records}
    assert {"dress", "shirt", "shoes", "t-shirt"} <= labels and len(labels) == 10
    assert "width" not in records[0].labels  # reserved columns are not labels
    assert all(r.image.is_file() for r in records[:50])
    first = read_image(records[0].image)
    assert first.ndim == 3 and first.shape[2] == 3 and max(first.shape[:2]) <= 256
