"""Head detectors behind one interface, chosen by name.

Built-in backends: ``lbp`` (default; scikit-image's LBP frontal-face cascade, offline) and
``insightface`` (optional extra). Plugins add more through the ``register_detectors`` hook.
"""

from __future__ import annotations

from skill_aug.detect.base import DetectionCache, HeadDetector, merge_detections
from skill_aug.errors import UnknownDetectorError
from skill_aug.hookspecs import hookimpl

DEFAULT_DETECTOR = "lbp"

_instances: dict[str, HeadDetector] = {}
cache = DetectionCache()


def _lbp(**options):
    from skill_aug.detect.lbp import LBPFaceDetector

    return LBPFaceDetector(**options)


def _insightface(**options):
    from skill_aug.detect.insightface_backend import InsightFaceDetector

    return InsightFaceDetector(**options)


@hookimpl
def register_detectors(register):
    register("lbp", _lbp)
    register("insightface", _insightface)


def list_detectors() -> list[str]:
    from skill_aug.plugins import get_registry

    return sorted(get_registry().detectors)


def get_detector(name: str = DEFAULT_DETECTOR, **options) -> HeadDetector:
    """The detector backend ``name`` (one instance per process and name when no options are given)."""
    from skill_aug.plugins import get_registry

    factories = get_registry().detectors
    if name not in factories:
        raise UnknownDetectorError(name, factories)
    if options:
        return factories[name](**options)
    if name not in _instances:
        _instances[name] = factories[name]()
    return _instances[name]


__all__ = ["DEFAULT_DETECTOR", "DetectionCache", "HeadDetector", "cache", "get_detector", "list_detectors",
           "merge_detections"]
