"""Head detectors: the offline LBP default on real photos, the cache, merging, and backend errors."""

from __future__ import annotations

import importlib.util
import sys
import types

import numpy as np
import pytest
from skimage import data

from skill_aug.detect import DetectionCache, get_detector, list_detectors, merge_detections
from skill_aug.errors import DetectorError, UnknownDetectorError
from skill_aug.io import read_image

ASTRONAUT_HEAD = (178.0, 67.0, 275.0, 165.0)
FLAT_LAY_PANTS = "train/pants/0098b991-e36e-4ef1-b5ee-4154b21e2a92.jpg"  # trousers on a table, no person


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def lbp():
    return get_detector("lbp")


def test_builtin_detectors_are_registered():
    assert {"lbp", "insightface"} <= set(list_detectors())
    assert get_detector() is get_detector("lbp")  # the default, one instance per process


def test_lbp_finds_the_astronauts_head(lbp):
    box = lbp.detect(data.astronaut())
    assert box is not None
    assert iou(box, ASTRONAUT_HEAD) > 0.5


def test_lbp_finds_the_head_in_a_downscaled_and_padded_photo(lbp):
    # the same face at half size, below a band of white: the box must follow the face
    small = data.astronaut()[::2, ::2]
    padded = np.full((small.shape[0] + 100, small.shape[1], 3), 255, np.uint8)
    padded[100:] = small
    box = lbp.detect(padded)
    expected = (ASTRONAUT_HEAD[0] / 2, ASTRONAUT_HEAD[1] / 2 + 100, ASTRONAUT_HEAD[2] / 2, ASTRONAUT_HEAD[3] / 2 + 100)
    assert box is not None and iou(box, expected) > 0.5


def test_lbp_finds_nothing_on_a_flat_lay_photo(lbp, clothing_dir):
    image = read_image(clothing_dir / FLAT_LAY_PANTS)
    assert lbp.detect(image) is None


@pytest.mark.parametrize("shape", [(300, 200, 3), (10, 8, 3)])
def test_lbp_finds_nothing_on_a_blank_image(lbp, shape):
    assert lbp.detect(np.full(shape, 240, np.uint8)) is None


class CountingDetector:
    """Wraps a real detector and counts the calls that reach it."""

    def __init__(self, inner):
        self.inner, self.name, self.calls = inner, inner.name, 0

    def detect(self, image):
        self.calls += 1
        return self.inner.detect(image)


def test_cache_detects_once_per_image(lbp):
    cache = DetectionCache()
    det = CountingDetector(lbp)
    image = data.astronaut()
    first = cache.get_or_detect(det, "/photos/astronaut.png", image)
    second = cache.get_or_detect(det, "/photos/astronaut.png", image)
    assert first == second and first is not None
    assert det.calls == 1 and cache.hits == 1 and cache.misses == 1 and len(cache) == 1
    # a re-sized file under the same path is detected again; no key means no caching
    cache.get_or_detect(det, "/photos/astronaut.png", image[::2, ::2])
    cache.get_or_detect(det, None, image)
    assert det.calls == 3 and len(cache) == 2


def test_cache_remembers_misses_and_stays_bounded(lbp):
    cache = DetectionCache(max_items=2)
    det = CountingDetector(lbp)
    blank = np.full((60, 60, 3), 255, np.uint8)
    for key in ("a", "a", "b", "c", "a"):
        assert cache.get_or_detect(det, key, blank) is None
    assert len(cache) == 2
    assert det.calls == 4  # "a" evicted by "c", then detected again


def test_cache_hands_new_detections_to_another_process_cache(lbp):
    """take_new / add move what one process (a DataLoader worker) found into another (the main process)."""
    worker, main = DetectionCache(max_items=3), DetectionCache()
    det = CountingDetector(lbp)
    blank = np.full((40, 40, 3), 255, np.uint8)
    for key in ("a", "b", "a"):
        worker.get_or_detect(det, key, blank)
    new = worker.take_new()
    assert [k[1] for k, _ in new] == ["a", "b"] and worker.take_new() == []
    main.add(new)
    assert main.get_or_detect(det, "b", blank) is None and det.calls == 2 and main.hits == 1
    for key in "cdefg":  # nobody takes from this cache: its list of new keys stays bounded too
        worker.get_or_detect(det, key, blank)
    assert len(worker._new) == 3 and [k[1] for k, _ in worker.take_new()] == ["e", "f", "g"]
    main.clear()
    assert len(main) == 0 and main.hits == 0


def test_merge_detections():
    assert merge_detections([]) is None
    face = [(100, 100, 140, 140), (102, 98, 142, 138), (98, 102, 138, 142)]
    outlier = (10, 10, 60, 60)  # larger, but alone
    merged = merge_detections([outlier, *face])
    assert merged == pytest.approx((100.0, 100.0, 140.0, 140.0))
    # a tie in support goes to the larger box
    assert merge_detections([(0, 0, 10, 10), (50, 50, 80, 80)]) == (50.0, 50.0, 80.0, 80.0)


def test_unknown_detector_is_one_line_with_a_suggestion():
    with pytest.raises(UnknownDetectorError) as info:
        get_detector("lpb")
    msg = str(info.value)
    assert "\n" not in msg
    assert "did you mean 'lbp'?" in msg and "insightface" in msg


HAVE_INSIGHTFACE = importlib.util.find_spec("insightface") is not None


@pytest.mark.skipif(HAVE_INSIGHTFACE, reason="insightface is installed; this checks the message without it")
def test_insightface_missing_says_how_to_install():
    with pytest.raises(DetectorError) as info:
        get_detector("insightface")
    msg = str(info.value)
    assert "\n" not in msg
    assert "pip install 'skill-aug[insightface]'" in msg


def test_insightface_missing_model_pack_says_where_to_put_it(tmp_path, monkeypatch):
    if not HAVE_INSIGHTFACE:
        # Stand-in for the optional dependency so the model-pack check runs; it is never asked to detect.
        app = types.ModuleType("insightface.app")
        app.FaceAnalysis = lambda *a, **k: pytest.fail("FaceAnalysis must not be built without a model pack")
        pkg = types.ModuleType("insightface")
        pkg.app = app
        monkeypatch.setitem(sys.modules, "insightface", pkg)
        monkeypatch.setitem(sys.modules, "insightface.app", app)
    monkeypatch.setenv("INSIGHTFACE_HOME", str(tmp_path))
    with pytest.raises(DetectorError) as info:
        get_detector("insightface", pack="buffalo_l")
    msg = str(info.value)
    assert "\n" not in msg
    assert str(tmp_path / "models" / "buffalo_l") in msg and "INSIGHTFACE_HOME" in msg


def _insightface_pack_reason() -> str | None:
    if not HAVE_INSIGHTFACE:
        return "insightface is not installed (pip install 'skill-aug[insightface]')"
    from skill_aug.detect.insightface_backend import model_root

    pack = model_root() / "models" / "buffalo_l"
    if not any(pack.glob("*.onnx")):
        return f"insightface model pack buffalo_l not found in {pack} (no downloads in tests)"
    return None


@pytest.mark.skipif(_insightface_pack_reason() is not None, reason=str(_insightface_pack_reason()))
def test_insightface_finds_the_astronauts_head():
    box = get_detector("insightface").detect(data.astronaut())
    assert box is not None and iou(box, ASTRONAUT_HEAD) > 0.4
