"""The head-detector interface and the per-image detection cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol, runtime_checkable

import numpy as np

from skill_aug.regions import Box


@runtime_checkable
class HeadDetector(Protocol):
    """Finds the head of the person wearing the product, if any."""

    name: str

    def detect(self, image: np.ndarray) -> Box | None:
        """The head box ``(x0, y0, x1, y1)`` in pixels of an ``(H, W, 3)`` uint8 image, or ``None``."""


class DetectionCache:
    """A bounded, thread-safe map from ``(detector, image key)`` to the detected head box.

    Photos are seen many times during training; the head is found once per photo. The key is the
    image path (plus its size, so an edited file is detected again). The cache lives in one process:
    DataLoader workers fill their own copies, :meth:`take_new` hands what a worker found back to the
    main process and :meth:`add` merges it there (see :func:`skill_aug.dataset.warm_detection_cache`).
    """

    def __init__(self, max_items: int = 200_000):
        self.max_items = max_items
        self._data: OrderedDict[tuple, Box | None] = OrderedDict()
        self._new: list[tuple] = []
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_detect(self, detector: HeadDetector, key: str | None, image: np.ndarray) -> Box | None:
        if key is None:
            return detector.detect(image)
        k = (detector.name, key, image.shape[:2])
        with self._lock:
            if k in self._data:
                self.hits += 1
                self._data.move_to_end(k)
                return self._data[k]
        box = detector.detect(image)
        with self._lock:
            self.misses += 1
            self._new.append(k)
            if len(self._new) > self.max_items:  # a process nobody takes from keeps only the newest
                del self._new[:len(self._new) - self.max_items]
            self._store(k, box)
        return box

    def _store(self, k: tuple, box: Box | None) -> None:
        self._data[k] = box
        self._data.move_to_end(k)
        while len(self._data) > self.max_items:
            self._data.popitem(last=False)

    def take_new(self) -> list[tuple[tuple, Box | None]]:
        """The entries detected in this process since the last call (to send to another process)."""
        with self._lock:
            out = [(k, self._data[k]) for k in self._new if k in self._data]
            self._new.clear()
        return out

    def add(self, entries: list[tuple[tuple, Box | None]]) -> None:
        """Merge entries from :meth:`take_new` of another process."""
        with self._lock:
            for k, box in entries:
                self._store(tuple(k), box)

    def clear(self) -> None:
        """Forget every detection."""
        with self._lock:
            self._data.clear()
            self._new.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


def merge_detections(boxes: list[Box], iou: float = 0.3) -> Box | None:
    """The consensus head among raw detections: the largest group of overlapping boxes, averaged.

    Cascade detectors fire several times on a real face and once on the odd false positive;
    ties go to the larger box.
    """
    if not boxes:
        return None
    arr = np.asarray(boxes, dtype=np.float64)
    n = len(arr)
    x0 = np.maximum(arr[:, None, 0], arr[None, :, 0])
    y0 = np.maximum(arr[:, None, 1], arr[None, :, 1])
    x1 = np.minimum(arr[:, None, 2], arr[None, :, 2])
    y1 = np.minimum(arr[:, None, 3], arr[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (arr[:, 2] - arr[:, 0]) * (arr[:, 3] - arr[:, 1])
    ious = inter / (area[:, None] + area[None, :] - inter + 1e-9)
    support = (ious > iou).sum(axis=1)
    best = max(range(n), key=lambda i: (support[i], area[i]))
    group = arr[ious[best] > iou]
    return tuple(float(v) for v in group.mean(axis=0))  # type: ignore[return-value]
