"""Accuracy and micro-averaged Recall at Precision against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from skill_ssl.evaluate.metrics import accuracy, classification_scores, entropy_bits, recall_at_precision


def test_accuracy_counts_matches():
    assert accuracy([0, 1, 2, 2], [0, 2, 2, 2]) == 0.75
    assert accuracy([], []) == 0.0
    with pytest.raises(ValueError):
        accuracy([0, 1], [0])


def test_perfect_classifier_has_full_recall():
    y = np.array([0, 0, 1, 1, 2])
    proba = np.eye(3)[y]
    for p in (0.9, 0.95, 1.0):
        r = recall_at_precision(y, proba, p)
        assert (r.recall, r.tp, r.fp, r.fn) == (1.0, 5, 0, 0)


def test_constant_classifier_scores_zero_unless_the_prior_reaches_the_precision():
    y = np.array([0, 0, 0, 1, 2])
    proba = np.full((5, 3), 1 / 3)  # every threshold predicts everything: precision = class prior
    r = recall_at_precision(y, proba, 0.9)
    assert (r.recall, r.tp, r.fp, r.fn) == (0.0, 0, 0, 5)
    assert r.thresholds == [None, None, None]

    y = np.array([0] * 19 + [1])  # class 0 has prior 0.95: predicting it everywhere reaches P >= 0.9 and 0.95
    proba = np.full((20, 2), 0.5)
    r90 = recall_at_precision(y, proba, 0.90)
    assert (r90.tp, r90.fp, r90.fn) == (19, 1, 1)
    assert r90.recall == pytest.approx(19 / 20)
    assert recall_at_precision(y, proba, 0.95).recall == pytest.approx(19 / 20)
    assert recall_at_precision(y, proba, 0.96).recall == 0.0


def test_class_without_positives_adds_no_tp_and_no_fn():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.7, 0.1, 0.2], [0.6, 0.1, 0.3], [0.1, 0.5, 0.4], [0.1, 0.8, 0.1]])
    r = recall_at_precision(y, proba, 0.9)
    assert (r.recall, r.tp, r.fp, r.fn) == (1.0, 4, 0, 0)
    assert r.thresholds[2] is None  # class 2 never occurs: it predicts nothing


def test_hand_ranked_case():
    # Class 0 ranked by score: P P P P N P P P P P N N (9 positives).
    # Precision after each rank: 1 1 1 1 .8 .83 .857 .875 .889 .9 .818 .75.
    #   P >= .90: lowest threshold reaching it is rank 10 -> TP 9, FP 1, FN 0.
    #   P >= .95: rank 4 -> TP 4, FP 0, FN 5.
    # Class 1 (the three N) scores 1 - s0, ranked: P P N N N N N P N N N N.
    #   P >= .9 and .95: rank 2 -> TP 2, FP 0, FN 1.
    flags = np.array([1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0])
    y = np.where(flags == 1, 0, 1)
    s0 = np.linspace(0.95, 0.05, 12)
    proba = np.stack([s0, 1 - s0], axis=1)
    r90 = recall_at_precision(y, proba, 0.90)
    assert (r90.tp, r90.fp, r90.fn) == (11, 1, 1)
    assert r90.recall == pytest.approx(11 / 12)
    assert r90.thresholds[0] == pytest.approx(s0[9])
    r95 = recall_at_precision(y, proba, 0.95)
    assert (r95.tp, r95.fp, r95.fn) == (6, 0, 6)
    assert r95.recall == pytest.approx(0.5)


def test_tied_scores_are_taken_together():
    # Class 0: scores .9 (P), .9 (N), .5 (P): the .9 tie gives precision .5, never 1.
    y = np.array([0, 1, 0])
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.5, 0.5]])
    assert recall_at_precision(y, proba, 0.9).recall == 0.0
    r = recall_at_precision(y, proba, 0.5)  # class 0 at .5: TP 2, FP 1; class 1 never reaches .5 (1/3)
    assert (r.tp, r.fp, r.fn) == (2, 1, 1)
    assert r.recall == pytest.approx(2 / 3)


def test_agrees_with_sklearn_precision_recall_curve_on_random_scores():
    from sklearn.metrics import precision_recall_curve

    rng = np.random.default_rng(3)
    n, c = 300, 5
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 2.5 * np.eye(c)[y]
    proba = np.round(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 2)  # rounding makes ties
    for p in (0.8, 0.9, 0.95):
        tp = fn = 0
        for k in range(c):
            prec, rec, _ = precision_recall_curve(y == k, proba[:, k])
            ok = prec[:-1] >= p  # the last point (recall 0) is not a threshold
            npos = int((y == k).sum())
            best = round(rec[:-1][ok].max() * npos) if ok.any() else 0
            tp, fn = tp + best, fn + npos - best
        assert recall_at_precision(y, proba, p).recall == pytest.approx(tp / (tp + fn))


def test_classification_scores_keys_and_bad_input():
    y = np.array([0, 1, 1])
    s = classification_scores(y, np.eye(2)[y])
    assert s == {"acc": 1.0, "r@90": 1.0, "r@95": 1.0}
    with pytest.raises(ValueError):
        recall_at_precision(np.array([0, 3]), np.eye(2), 0.9)
    with pytest.raises(ValueError):
        recall_at_precision(np.array([0, 1]), np.eye(2), 0.0)


def test_entropy_bits():
    assert entropy_bits([5]) == 0.0
    assert entropy_bits([1, 1]) == pytest.approx(1.0)
    assert entropy_bits([2, 2, 2, 2, 0]) == pytest.approx(2.0)
    assert entropy_bits([]) == 0.0
