"""The paper's detector: insightface's RetinaFace (optional extra ``skill-aug[insightface]``).

The model pack is read from the local model folder (``~/.insightface/models/<pack>`` or
``$INSIGHTFACE_HOME``) and never downloaded at run time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from skill_aug.detect.base import merge_detections
from skill_aug.errors import DetectorError
from skill_aug.regions import Box


def model_root() -> Path:
    return Path(os.environ.get("INSIGHTFACE_HOME", Path.home() / ".insightface")).expanduser()


class InsightFaceDetector:
    name = "insightface"

    def __init__(self, pack: str = "buffalo_l", det_size: int = 640, threshold: float = 0.5):
        try:
            from insightface.app import FaceAnalysis
        except ImportError:
            raise DetectorError("detector 'insightface' needs the optional extra: pip install 'skill-aug[insightface]'") from None
        pack_dir = model_root() / "models" / pack
        if not pack_dir.is_dir() or not any(pack_dir.glob("*.onnx")):
            raise DetectorError(
                f"insightface model pack {pack!r} not found in {pack_dir}; download it once on a machine with "
                f"internet (python -c \"from insightface.app import FaceAnalysis; FaceAnalysis(name='{pack}')\") "
                "and copy the folder there, or set INSIGHTFACE_HOME"
            )
        self._app = FaceAnalysis(name=pack, root=str(model_root()), allowed_modules=["detection"],
                                 providers=["CPUExecutionProvider"])
        self._app.prepare(ctx_id=-1, det_size=(det_size, det_size), det_thresh=threshold)

    def detect(self, image: np.ndarray) -> Box | None:
        faces = self._app.get(np.ascontiguousarray(image[:, :, ::-1]))  # insightface expects BGR
        return merge_detections([tuple(float(v) for v in f.bbox[:4]) for f in faces])
