"""Checkpoints: atomic save, safe load, RNG state capture.

A checkpoint is one ``torch.save`` file holding only tensors, numbers, strings, lists, tuples and dicts,
so that it loads with ``torch.load(weights_only=True)`` (no pickled code is ever executed). It is written
to a temporary file in the same folder, flushed to disk and renamed over the old one, so a run killed at
any moment (even ``kill -9``) leaves either the previous or the new checkpoint, never a torn one.

Layout written by the trainer (see :mod:`skill_ssl.train`)::

    {"format": "skill_ssl.checkpoint", "version": 1,
     "config": {...}, "model": {arch, image_size, timm_overrides, mean, std, embed_dim},
     "student": state_dict, "teacher": state_dict | None, "embed_from": "teacher" | "student",
     "method": {...}, "optimizer": ..., "scaler": ..., "step": int, "epoch": int,
     "rng": {...}, "data": {...}}
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from skill_aug.errors import CheckpointError

FORMAT = "skill_ssl.checkpoint"
VERSION = 1
CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` to ``path`` atomically (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def find_checkpoint(path: str | os.PathLike) -> Path:
    """The checkpoint file for ``path``: the file itself, or ``RUN_DIR/checkpoint.pt`` for a run directory."""
    p = Path(path)
    if p.is_dir():
        ckpt = p / CHECKPOINT_NAME
        if not ckpt.is_file():
            raise CheckpointError(f"{p}: run directory holds no {CHECKPOINT_NAME} yet; "
                                  "train first (skill-ssl train --out DIR) or pass a checkpoint file")
        return ckpt
    if not p.exists():
        raise CheckpointError(f"{p}: no such run directory or checkpoint file; check the path")
    return p


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` with ``torch.load(weights_only=True)``."""
    p = find_checkpoint(path)
    try:
        state = torch.load(p, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means a file we cannot use
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CheckpointError(f"{p}: not a readable skill-ssl checkpoint ({reason}); "
                              "pass a checkpoint.pt written by skill-ssl train") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not a skill-ssl checkpoint (no '{FORMAT}' header); "
                              "pass a checkpoint.pt written by skill-ssl train")
    if int(state.get("version", 0)) > VERSION:
        raise CheckpointError(f"{p}: checkpoint version {state.get('version')} is newer than this skill-ssl "
                              f"reads ({VERSION}); upgrade skill-ssl")
    return state


# --- RNG state ---------------------------------------------------------------------------------------

def rng_state() -> dict[str, Any]:
    """Every RNG the trainer touches (python, numpy, torch CPU and CUDA), in weights_only-safe types."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        cuda = [s.cpu() for s in state["cuda"]]
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
