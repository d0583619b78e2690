"""``skill-ssl export``: a run's embedding backbone as a standalone ``.safetensors`` file.

The file holds the backbone weights (no heads, no optimizer) and, in its metadata, what
:func:`skill_ssl.models.load_backbone` needs to rebuild the model: arch, image size, timm overrides,
normalisation mean/std, plus where it came from (run, network, step).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from skill_aug.errors import CheckpointError, ConfigError


def export(run: str | os.PathLike, out: str | os.PathLike, network: str = "auto") -> tuple[Path, dict[str, Any]]:
    """Write ``run``'s backbone (``network``: ``auto`` = the checkpoint's embedding network, normally the
    teacher; or ``teacher`` / ``student``) to ``out``; returns the path and the metadata written."""
    from skill_ssl.checkpoint import find_checkpoint, load_checkpoint
    from skill_ssl.models import backbone_state, model_from_state, save_safetensors

    out = Path(out)
    if out.suffix != ".safetensors":
        raise ConfigError(f"--out {out}: the exported file must end in .safetensors")
    if network not in ("auto", "teacher", "student"):
        raise ConfigError(f"--network {network!r} must be auto, teacher or student")
    ckpt_path = find_checkpoint(run)
    ckpt = load_checkpoint(ckpt_path)
    which = ckpt.get("embed_from", "teacher") if network == "auto" else network
    if ckpt.get(which) is None:
        raise CheckpointError(f"{ckpt_path}: this run ({ckpt.get('config', {}).get('method')}) has no {which} network; "
                              "use --network student")
    state, meta = backbone_state(ckpt, which)
    model = model_from_state(state, meta, ckpt_path)
    extra = {"network": which, "step": int(ckpt.get("step", 0)), "source": str(ckpt_path),
             "method": str(ckpt.get("config", {}).get("method", "")), "task": str(ckpt.get("config", {}).get("task", ""))}
    save_safetensors(model, out, extra)
    return out, {**model.metadata(), **extra}
