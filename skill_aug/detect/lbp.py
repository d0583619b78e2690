"""The default head detector: scikit-image's LBP frontal-face cascade (ships inside scikit-image)."""

from __future__ import annotations

import numpy as np

from skill_aug.detect.base import merge_detections
from skill_aug.regions import Box


class LBPFaceDetector:
    """Frontal faces with the OpenCV LBP cascade that scikit-image bundles; works offline.

    The photo is scanned at a working size of ``work_side`` pixels (longer side) for speed; faces
    between ``min_frac`` and ``max_frac`` of the shorter side are searched for, in the upper
    ``top_frac`` of the photo (a wearer's head is never at the bottom of a product shot).
    """

    name = "lbp"

    def __init__(self, work_side: int = 320, min_frac: float = 0.06, max_frac: float = 0.6,
                 top_frac: float = 0.7, scale_factor: float = 1.2):
        from skimage.data import lbp_frontal_face_cascade_filename
        from skimage.feature import Cascade

        self._cascade = Cascade(lbp_frontal_face_cascade_filename())
        self.work_side, self.min_frac, self.max_frac = work_side, min_frac, max_frac
        self.top_frac, self.scale_factor = top_frac, scale_factor

    def detect(self, image: np.ndarray) -> Box | None:
        h, w = image.shape[:2]
        scale = min(1.0, self.work_side / max(h, w))
        small = image
        if scale < 1.0:
            from PIL import Image

            small = np.asarray(Image.fromarray(image).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                                             Image.Resampling.BILINEAR))
        sh, sw = small.shape[:2]
        short = min(sh, sw)
        lo = max(24, int(self.min_frac * short))
        hi = max(lo + 1, int(self.max_frac * short))
        if short < 24:
            return None
        raw = self._cascade.detect_multi_scale(img=small, scale_factor=self.scale_factor, step_ratio=1,
                                               min_size=(lo, lo), max_size=(hi, hi))
        boxes = [(d["c"], d["r"], d["c"] + d["width"], d["r"] + d["height"]) for d in raw
                 if d["r"] + d["height"] / 2 <= self.top_frac * sh]
        box = merge_detections(boxes)
        if box is None:
            return None
        return tuple(v / scale for v in box)  # type: ignore[return-value]
