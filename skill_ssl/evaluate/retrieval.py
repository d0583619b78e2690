"""Nearest-neighbour search by cosine similarity, exact or with FAISS, and the kNN retrieval metrics.

Both indexes L2-normalise the embeddings and rank by inner product (= cosine similarity); the
distance shown to users is ``1 - cosine``. Ties are broken by the lower row index in the exact
search. ``backend="auto"`` uses FAISS (``pip install skill-aug[faiss]``) from ``FAISS_MIN_SIZE`` rows
on when it is installed, the exact search otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from skill_aug.errors import ConfigError

FAISS_MIN_SIZE = 100_000
BACKENDS = ("auto", "exact", "faiss")


def l2_normalize(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


class ExactIndex:
    """Brute-force cosine search: one matrix product per chunk of queries."""

    backend = "exact"

    def __init__(self, embeddings, chunk: int = 1024):
        self.x = l2_normalize(embeddings)
        self.chunk = chunk

    def __len__(self) -> int:
        return len(self.x)

    def search(self, queries, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities and row indices ``(Q, k)`` of the ``k`` nearest rows, best first."""
        q = l2_normalize(np.atleast_2d(queries))
        k = min(int(k), len(self.x))
        sims, ids = [], []
        for i in range(0, len(q), self.chunk):
            s = q[i:i + self.chunk] @ self.x.T
            part = self._top_k(s, k)
            ps = np.take_along_axis(s, part, axis=1)
            order = np.lexsort((part, -ps), axis=1)  # by similarity, then by row index
            ids.append(np.take_along_axis(part, order, axis=1))
            sims.append(np.take_along_axis(ps, order, axis=1))
        return np.concatenate(sims), np.concatenate(ids).astype(np.int64)


    @staticmethod
    def _top_k(s: np.ndarray, k: int) -> np.ndarray:
        """Indices of the ``k`` largest values per row (unordered); ties at the cut go to the lower index."""
        n = s.shape[1]
        if k >= n:
            return np.tile(np.arange(n), (len(s), 1))
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]
        kth = np.take_along_axis(s, part, axis=1).min(axis=1, keepdims=True)
        straddle = (s == kth).sum(axis=1) > (np.take_along_axis(s, part, axis=1) == kth).sum(axis=1)
        for r in np.flatnonzero(straddle):  # rare: a tie cut by the partition; redo that row with a full sort
            part[r] = np.lexsort((np.arange(n), -s[r]))[:k]
        return part


class FaissIndex:
    """Exact inner-product search with FAISS (``IndexFlatIP``) on L2-normalised embeddings."""

    backend = "faiss"

    def __init__(self, embeddings):
        try:
            import faiss
        except ImportError:
            raise ConfigError("FAISS is not installed; pip install skill-aug[faiss] or use --backend exact") from None
        x = l2_normalize(embeddings)
        self.index = faiss.IndexFlatIP(x.shape[1])
        self.index.add(np.ascontiguousarray(x))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(l2_normalize(np.atleast_2d(queries)))
        sims, ids = self.index.search(q, min(int(k), len(self)))
        return sims, ids.astype(np.int64)


def build_index(embeddings, backend: str = "auto") -> ExactIndex | FaissIndex:
    """A search index over ``embeddings``: ``exact``, ``faiss``, or ``auto`` (FAISS for large indexes if installed)."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown search backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend == "faiss" or (backend == "auto" and len(embeddings) >= FAISS_MIN_SIZE and faiss_available()):
        return FaissIndex(embeddings)
    return ExactIndex(embeddings)


def neighbours_excluding_self(index, embeddings, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-out neighbours: the ``k`` nearest rows of each indexed row other than itself."""
    n = len(embeddings)
    k = min(int(k), n - 1)
    if k < 1:
        raise ConfigError(f"need at least 2 embeddings for neighbour search, got {n}")
    sims, ids = index.search(embeddings, k + 1)
    drop = ids == np.arange(n)[:, None]
    drop[~drop.any(axis=1), -1] = True  # self not among the k+1 (duplicates): drop the farthest
    first = drop.cumsum(axis=1) == 1
    drop &= first  # exactly one column per row
    return sims[~drop].reshape(n, k), ids[~drop].reshape(n, k)


def knn_label_agreement(neighbour_ids: np.ndarray, labels: Sequence, ks: Sequence[int] = (1, 5, 20)) -> dict[str, float] | None:
    """Mean fraction of each labelled item's top-k neighbours that share its label, for each ``k`` (capped at the width).

    Items with an empty label are not queries (a neighbour with an empty label never agrees); ``None`` if no item
    has a label.
    """
    lab = np.asarray(labels, dtype=object).astype(str)
    queries = lab != ""
    if not queries.any():
        return None
    same = lab[neighbour_ids[queries]] == lab[queries][:, None]
    return {f"top{k}": float(same[:, :min(k, same.shape[1])].mean()) for k in ks}


def product_precision_at_k(neighbour_ids: np.ndarray, product_ids: Sequence,
                           ks: Sequence[int] = (1, 5, 20)) -> dict[str, float] | None:
    """Precision@k of finding other photos of the same product, over items whose product has 2+ photos.

    ``None`` when no product has more than one photo.
    """
    pid = np.asarray(product_ids, dtype=object).astype(str)
    _, inverse, counts = np.unique(pid, return_inverse=True, return_counts=True)
    queries = counts[inverse] > 1
    if not queries.any():
        return None
    same = pid[neighbour_ids[queries]] == pid[queries][:, None]
    return {f"p@{k}": float(same[:, :min(k, same.shape[1])].mean()) for k in ks}
