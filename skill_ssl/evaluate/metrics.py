"""Classification metrics of the SkiLL paper: accuracy and micro-averaged Recall at Precision.

The Recall-at-Precision rule (documented in docs/metrics.md) for a target precision ``p``:

1. For each class ``c``, rank the test samples by their probability of ``c``. The operating points are
   the thresholds ``t`` equal to each distinct probability; at ``t`` every sample with probability
   ``>= t`` is predicted ``c`` (tied samples are always taken together).
2. Walking the precision-recall curve from the highest threshold down, keep the last (lowest)
   threshold whose precision is ``>= p``: the point of largest recall that reaches the precision.
   Count TP, FP and FN there. When no threshold reaches ``p`` the class predicts nothing:
   TP = FP = 0 and FN = its number of positives. A class with no positives contributes 0 TP and 0 FN.
3. Sum TP, FP and FN over the classes; the score is ``TP / (TP + FN)`` (0.0 when there are no positives).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


def accuracy(y_true, y_pred) -> float:
    """Fraction of samples whose predicted label equals the true one (0.0 for no samples)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    return float((y_true == y_pred).mean()) if y_true.size else 0.0


@dataclass
class RecallAtPrecision:
    """The micro-averaged result of :func:`recall_at_precision` and its per-class operating points."""

    precision: float                 # the target precision
    recall: float                    # micro-averaged TP / (TP + FN)
    tp: int
    fp: int
    fn: int
    thresholds: list[float | None] = field(default_factory=list)  # per class; None: no threshold reached it

    def to_dict(self) -> dict:
        return asdict(self)


def recall_at_precision(y_true, proba, precision: float) -> RecallAtPrecision:
    """Micro-averaged recall at ``precision`` of class probabilities (rule in the module docstring).

    ``y_true`` holds integer class indices ``0..C-1`` (shape ``(N,)``), ``proba`` the class scores
    (shape ``(N, C)``, any monotone score works). All classes are handled at once with array ops.
    """
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(proba, dtype=np.float64)
    if s.ndim != 2 or y.ndim != 1 or s.shape[0] != y.shape[0]:
        raise ValueError(f"expected y_true (N,) and proba (N, C), got {y.shape} and {s.shape}")
    if not 0.0 < precision <= 1.0:
        raise ValueError(f"precision must be in (0, 1], got {precision}")
    n, c = s.shape
    if y.size and (y.min() < 0 or y.max() >= c):
        raise ValueError(f"y_true holds class indices outside 0..{c - 1}")
    positives = np.zeros((n, c), dtype=bool)
    positives[np.arange(n), y] = True
    n_pos = positives.sum(axis=0)
    if n == 0:
        return RecallAtPrecision(precision, 0.0, 0, 0, 0, [None] * c)

    order = np.argsort(-s, axis=0, kind="stable")             # (N, C): highest score first, per class
    s_sorted = np.take_along_axis(s, order, axis=0)
    pos_sorted = np.take_along_axis(positives, order, axis=0)
    tp = np.cumsum(pos_sorted, axis=0)                        # predicted-positive count at rank i is i+1
    predicted = np.arange(1, n + 1)[:, None]
    block_end = np.ones((n, c), dtype=bool)                   # last rank of each run of tied scores
    block_end[:-1] = s_sorted[:-1] != s_sorted[1:]
    reaches = block_end & (tp >= (precision - 1e-12) * predicted) & (tp > 0)
    any_reach = reaches.any(axis=0)
    last = n - 1 - np.argmax(reaches[::-1], axis=0)           # lowest threshold that reaches the precision
    cols = np.arange(c)
    tp_c = np.where(any_reach, tp[last, cols], 0)
    fp_c = np.where(any_reach, last + 1 - tp_c, 0)
    fn_c = n_pos - tp_c
    thresholds = [float(s_sorted[last[j], j]) if any_reach[j] else None for j in range(c)]
    TP, FP, FN = int(tp_c.sum()), int(fp_c.sum()), int(fn_c.sum())
    recall = TP / (TP + FN) if TP + FN else 0.0
    return RecallAtPrecision(precision, float(recall), TP, FP, FN, thresholds)


def classification_scores(y_true, proba, precisions: tuple[float, ...] = (0.90, 0.95)) -> dict[str, float]:
    """``{"acc": ..., "r@90": ..., "r@95": ...}`` for integer labels and class probabilities (argmax = prediction)."""
    s = np.asarray(proba)
    out = {"acc": accuracy(y_true, s.argmax(axis=1)) if len(s) else 0.0}
    for p in precisions:
        out[f"r@{round(p * 100)}"] = recall_at_precision(y_true, s, p).recall
    return out


def entropy_bits(counts) -> float:
    """Shannon entropy in bits of a histogram of counts (0.0 for an empty or one-bin histogram)."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    if total <= 0:
        return 0.0
    p = c[c > 0] / total
    return float(-(p * np.log2(p)).sum()) + 0.0
