"""Embedding indexes on disk: ``.parquet`` (one file) or ``.npy`` plus a ``.json`` sidecar.

* ``emb.parquet``: columns ``image``, ``product_id``, ``split``, one column per label, and ``embedding``
  (a fixed-size list of float32); the schema metadata key ``skill_ssl`` holds the info (model, data, settings)
  as JSON. Needs pyarrow (``pip install skill-aug[parquet]``).
* ``emb.npy``: the ``(N, D)`` float32 matrix; ``emb.json`` next to it holds ``{"info": ..., "columns": [...],
  "rows": [[...], ...]}`` with the same columns as the parquet file, row ``i`` describing embedding ``i``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skill_aug.errors import ConfigError, ManifestError

META_KEY = b"skill_ssl"
FORMATS = (".parquet", ".npy")


@dataclass
class EmbeddingIndex:
    """Embeddings ``(N, D)``, one row of metadata per embedding, and how they were made."""

    embeddings: np.ndarray
    rows: list[dict[str, str]]
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.embeddings = np.asarray(self.embeddings, dtype=np.float32)
        if self.embeddings.ndim != 2 or len(self.embeddings) != len(self.rows):
            raise ValueError(f"embeddings {self.embeddings.shape} do not match {len(self.rows)} rows")

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def columns(self) -> list[str]:
        cols: dict[str, None] = {}
        for r in self.rows:
            cols.update(dict.fromkeys(r))
        return list(cols)

    def column(self, name: str) -> list[str]:
        return [r.get(name, "") for r in self.rows]


def rows_from_records(records) -> list[dict[str, str]]:
    """Index rows (``image``, ``product_id``, ``split``, labels) of :class:`skill_aug.io.Record` objects."""
    return [{"image": str(r.image), "product_id": r.product_id, "split": r.split or "", **r.labels} for r in records]


def check_format(path: Path) -> str:
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(f"{path}: unknown index format {path.suffix or '(no suffix)'!r}; "
                          "name it .parquet or .npy")
    return path.suffix.lower()


def sidecar(path: str | os.PathLike) -> Path:
    """The ``.json`` sidecar of a ``.npy`` index."""
    return Path(path).with_suffix(".json")


def write_index(path: str | os.PathLike, index: EmbeddingIndex) -> list[Path]:
    """Write ``index`` to ``path`` (``.parquet`` or ``.npy`` + ``.json``); returns the files written."""
    path = Path(path)
    fmt = check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = index.columns
    if fmt == ".parquet":
        pa, pq = _pyarrow(path)
        emb = index.embeddings
        flat = pa.array(emb.reshape(-1), type=pa.float32())
        arrays = [pa.array(index.column(c), type=pa.string()) for c in cols]
        arrays.append(pa.FixedSizeListArray.from_arrays(flat, emb.shape[1]))
        table = pa.Table.from_arrays(arrays, names=[*cols, "embedding"])
        table = table.replace_schema_metadata({META_KEY: json.dumps(index.info, default=str).encode()})
        pq.write_table(table, _tmp(path))
        os.replace(_tmp(path), path)
        return [path]
    side = sidecar(path)
    with open(_tmp(path), "wb") as fh:
        np.save(fh, index.embeddings)
    payload = {"info": index.info, "columns": cols, "rows": [[r.get(c, "") for c in cols] for r in index.rows]}
    _tmp(side).write_text(json.dumps(payload, default=str))
    os.replace(_tmp(path), path)
    os.replace(_tmp(side), side)
    return [path, side]


def read_index(path: str | os.PathLike) -> EmbeddingIndex:
    """Read an index written by :func:`write_index` (one-line errors for missing or malformed files)."""
    path = Path(path)
    fmt = check_format(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no such index file; write one with skill-ssl embed RUN --data DATA --out {path.name}")
    if fmt == ".parquet":
        pa, pq = _pyarrow(path)
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise ManifestError(f"{path}: not a readable parquet index ({' '.join(str(exc).split())[:120]}); "
                                "re-create it with skill-ssl embed") from None
        if "embedding" not in table.column_names:
            raise ManifestError(f"{path}: has no 'embedding' column; re-create it with skill-ssl embed")
        col = table.column("embedding").combine_chunks()
        dim = col.type.list_size if hasattr(col.type, "list_size") else None
        if not dim:
            raise ManifestError(f"{path}: 'embedding' is not a fixed-size list of floats; re-create it with skill-ssl embed")
        emb = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, dim)
        cols = [c for c in table.column_names if c != "embedding"]
        data = {c: table.column(c).to_pylist() for c in cols}
        rows = [{c: ("" if data[c][i] is None else str(data[c][i])) for c in cols} for i in range(table.num_rows)]
        meta = (table.schema.metadata or {}).get(META_KEY)
        info = json.loads(meta) if meta else {}
        return EmbeddingIndex(emb, rows, info)
    side = sidecar(path)
    if not side.is_file():
        raise ManifestError(f"{path}: its sidecar {side.name} is missing; keep the .json written next to the .npy "
                            "or re-create the index with skill-ssl embed")
    try:
        emb = np.load(path, allow_pickle=False)
        payload = json.loads(side.read_text())
        cols, raw = payload["columns"], payload["rows"]
        rows = [dict(zip(cols, r)) for r in raw]
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: not a readable .npy index ({' '.join(str(exc).split())[:120]}); "
                            "re-create it with skill-ssl embed") from None
    if emb.ndim != 2 or len(emb) != len(rows):
        raise ManifestError(f"{path}: holds an array of shape {emb.shape} but {side.name} lists {len(rows)} rows; "
                            "re-create the index with skill-ssl embed")
    return EmbeddingIndex(emb, rows, payload.get("info") or {})


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _pyarrow(path: Path):
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(f"{path}: writing/reading .parquet needs pyarrow; pip install skill-aug[parquet] "
                          "or use a .npy index") from None
    return pa, pq
