"""Linear and non-linear probes on frozen embeddings, and the train/test split they use.

The linear probe is a multinomial logistic regression, the non-linear probe a one-hidden-layer MLP
(256 ReLU units); both see standardised features (mean 0, variance 1, fitted on the training part).
Scores (accuracy, R@90, R@95) come from :mod:`skill_ssl.evaluate.metrics`.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np

from skill_aug.errors import ConfigError
from skill_ssl.evaluate.metrics import classification_scores

PROBES = ("linear", "mlp")
TRAIN_SPLITS = ("train",)
TEST_SPLITS = ("test", "validation", "val", "valid")  # the first one present is the test set


@dataclass
class Split:
    """Indices of the training and test samples and how they were chosen."""

    train: np.ndarray
    test: np.ndarray
    how: str


def train_test_split(splits, y, test_size: float = 0.3, seed: int = 0) -> Split:
    """The data's own split when its ``split`` column names a train and a test part, else a seeded stratified one.

    With a split column: ``train`` rows train; the test rows are those of the first of
    ``test``, ``validation``, ``val``, ``valid`` that occurs; other rows are unused. Otherwise each class
    sends ``round(test_size * n)`` of its samples (at least 1 when it has 2 or more, none when it has 1)
    to the test part, chosen by a generator seeded with ``seed``.
    """
    y = np.asarray(y)
    names = np.array([(s or "").strip().lower() for s in splits]) if splits is not None else np.array([""] * len(y))
    train = np.flatnonzero(np.isin(names, TRAIN_SPLITS))
    for name in TEST_SPLITS:
        test = np.flatnonzero(names == name)
        if len(train) and len(test):
            return Split(train, test, f"split column: train ({len(train)}) / {name} ({len(test)})")
    if not 0.0 < test_size < 1.0:
        raise ConfigError(f"test size {test_size} must be between 0 and 1 (exclusive)")
    rng = np.random.default_rng(seed)
    test_parts = []
    for cls in np.unique(y):
        members = np.flatnonzero(y == cls)
        if len(members) < 2:
            continue
        k = min(len(members) - 1, max(1, round(test_size * len(members))))
        test_parts.append(rng.permutation(members)[:k])
    test = np.sort(np.concatenate(test_parts)) if test_parts else np.array([], dtype=np.int64)
    train = np.setdiff1d(np.arange(len(y)), test)
    return Split(train, test, f"seeded stratified split (seed {seed}, test {test_size:.0%}): "
                              f"train ({len(train)}) / test ({len(test)})")


def _model(kind: str, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        clf = LogisticRegression(max_iter=1000, C=1.0)
    elif kind == "mlp":
        clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=300, alpha=1e-3, random_state=seed)
    else:
        raise ConfigError(f"unknown probe {kind!r}; use one of {', '.join(PROBES)}")
    return make_pipeline(StandardScaler(), clf)


SMALL_PROBLEM = 2_000_000  # training-matrix entries below which BLAS runs single-threaded


def _blas_threads(size: int):
    """One BLAS thread for small probes (thread start-up costs more than it saves there, 10x on 2 cores)."""
    if size >= SMALL_PROBLEM:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def probe_proba(kind: str, x_train, y_train, x_test, n_classes: int, seed: int = 0) -> np.ndarray:
    """Fit probe ``kind`` on ``(x_train, y_train)`` and return ``(len(x_test), n_classes)`` class probabilities.

    ``y_*`` are integer class indices in ``0..n_classes-1``. Classes absent from the training part get
    probability 0; a training part with a single class gives a constant predictor of that class.
    """
    y_train = np.asarray(y_train, dtype=np.int64)
    out = np.zeros((len(x_test), n_classes), dtype=np.float64)
    seen = np.unique(y_train)
    if len(x_test) == 0:
        return out
    if len(seen) == 1:
        out[:, seen[0]] = 1.0
        return out
    model = _model(kind, seed)
    with warnings.catch_warnings(), _blas_threads(np.size(x_train)):
        warnings.simplefilter("ignore")  # convergence warnings on tiny sets say nothing useful here
        model.fit(np.asarray(x_train, dtype=np.float32), y_train)
        proba = model.predict_proba(np.asarray(x_test, dtype=np.float32))
    out[:, model.classes_] = proba
    return out


def encode_labels(values) -> tuple[np.ndarray, list[str]]:
    """Integer codes and the sorted class names of a list of label strings."""
    classes, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return codes.astype(np.int64), [str(c) for c in classes]


def probe_scores(emb: np.ndarray, values, split: Split, kinds=PROBES, seed: int = 0) -> dict[str, dict[str, float]]:
    """``{kind: {"acc", "r@90", "r@95"}}`` of each probe predicting ``values`` from ``emb`` on ``split``."""
    y, classes = encode_labels(values)
    out = {}
    for kind in kinds:
        proba = probe_proba(kind, emb[split.train], y[split.train], emb[split.test], len(classes), seed)
        out[kind] = classification_scores(y[split.test], proba)
    return out
