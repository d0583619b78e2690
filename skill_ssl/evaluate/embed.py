"""Embedding a data set: model specs (``RUN`` arguments), batched decoding and embedding, skipped images.

A ``RUN`` is whatever :func:`skill_ssl.models.load_backbone` accepts (run directory, checkpoint,
``.safetensors``) or ``random:<arch>[,key=value...]``: a randomly initialised baseline, e.g.
``random:vit_tiny_patch16_224`` or ``random:vit_tiny_patch16_224,image_size=32,patch_size=8,depth=2,seed=1``
(``image_size`` and ``seed`` go to :func:`~skill_ssl.models.random_backbone`, other keys to timm).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from skill_aug.errors import ConfigError, ImageError

RANDOM_PREFIX = "random:"


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_random_spec(spec: str) -> tuple[str, dict]:
    """``"random:arch,k=v,..."`` -> ``(arch, {k: v})`` with numbers and booleans converted."""
    body = spec[len(RANDOM_PREFIX):]
    arch, *pairs = [p.strip() for p in body.split(",")]
    if not arch:
        raise ConfigError(f"{spec!r}: name an architecture after 'random:', e.g. random:vit_tiny_patch16_224")
    kwargs = {}
    for p in pairs:
        key, sep, val = p.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{spec!r}: option {p!r} must look like key=value, e.g. image_size=64")
        kwargs[key.strip()] = _value(val.strip())
    return arch, kwargs


def load_model(spec: str, device: str = "cpu"):
    """The :class:`~skill_ssl.models.EmbeddingModel` named by a ``RUN`` argument, on ``device``, in eval mode."""
    from skill_ssl.models import load_backbone, random_backbone

    if spec.startswith(RANDOM_PREFIX):
        arch, kwargs = parse_random_spec(spec)
        kwargs.setdefault("image_size", 224)
        try:
            model = random_backbone(arch, **kwargs)
        except TypeError as exc:
            raise ConfigError(f"{spec!r}: {' '.join(str(exc).split())}") from None
        try:
            return model.to(device).eval()
        except (RuntimeError, AssertionError) as exc:
            raise ConfigError(f"cannot use device {device!r} ({' '.join(str(exc).split())[:120]}); "
                              "pick cpu or an available cuda device") from None
    return load_backbone(spec, device=device).eval()


def model_name(spec: str) -> str:
    """A short display name of a ``RUN`` argument (the run folder or file stem; ``random-<arch>``)."""
    if spec.startswith(RANDOM_PREFIX):
        arch, kwargs = parse_random_spec(spec)
        seed = kwargs.get("seed", 0)
        return f"random-{arch}" + (f"-seed{seed}" if seed else "")
    p = Path(spec)
    return (p.stem if p.is_file() else p.name) or str(p)


def slugify(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "model"


def model_info(spec: str, model) -> dict:
    """What a report or index records about a model."""
    return {"run": spec, "name": model_name(spec), **model.metadata()}


@dataclass
class Embedded:
    """Embeddings of the readable images, which input rows they belong to, and what was skipped."""

    embeddings: list[np.ndarray]          # one (N_kept, D) float32 array per model
    kept: np.ndarray                      # indices of the embedded records in the input order
    skipped: list[str] = field(default_factory=list)  # "path: reason" of each unreadable image


def _decode(path, max_side: int):
    from skill_aug.io import read_image

    try:
        return read_image(path, max_side=max_side), None
    except ImageError as exc:
        return None, str(exc)


def embed_records(models, records: Sequence, batch_size: int = 64, workers: int = 4, max_side: int = 1024,
                  on_batch: Callable[[np.ndarray, list[np.ndarray]], None] | None = None,
                  progress: bool | None = None) -> Embedded:
    """Decode ``records`` once, in batches (``workers`` decoding threads), and embed each batch with every model.

    ``models`` is one :class:`~skill_ssl.models.EmbeddingModel` or a list of them. Unreadable images are
    skipped and listed. ``on_batch(indices, images)`` sees every decoded batch (e.g. to compute color IDs).
    """
    from skill_aug.console import progress as bar

    models = list(models) if isinstance(models, (list, tuple)) else [models]
    if batch_size < 1:
        raise ConfigError(f"--batch-size {batch_size} must be at least 1")
    for m in models:
        m.eval()
    chunks: list[list[torch.Tensor]] = [[] for _ in models]
    kept: list[np.ndarray] = []
    skipped: list[str] = []
    paths = [r.image for r in records]
    with ThreadPoolExecutor(max(1, workers)) as pool, bar(total=len(paths), desc="embed", unit="img",
                                                          disable=None if progress else True) as pbar:
        starts = list(range(0, len(paths), batch_size))
        pending = pool.map(lambda p: _decode(p, max_side), paths[:batch_size]) if starts else iter(())
        for s in starts:
            decoded = list(pending)
            nxt = s + batch_size
            if nxt < len(paths):  # decode the next batch while this one is embedded
                pending = pool.map(lambda p: _decode(p, max_side), paths[nxt:nxt + batch_size])
            idx = np.array([s + j for j, (im, _) in enumerate(decoded) if im is not None], dtype=np.int64)
            skipped += [err for _, err in decoded if err is not None]
            images = [im for im, _ in decoded if im is not None]
            pbar.update(len(decoded))
            if not images:
                continue
            tensors = [torch.from_numpy(im).permute(2, 0, 1) for im in images]
            with torch.inference_mode():
                for m, out in zip(models, chunks):
                    out.append(m(m.preprocess(tensors)).float().cpu())
            kept.append(idx)
            if on_batch is not None:
                on_batch(idx, images)
    embeddings = [torch.cat(c).numpy().astype(np.float32) if c else np.zeros((0, m.embed_dim), np.float32)
                  for c, m in zip(chunks, models)]
    return Embedded(embeddings, np.concatenate(kept) if kept else np.zeros(0, np.int64), skipped)
