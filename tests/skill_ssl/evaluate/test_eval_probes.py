"""Train/test splits and the linear / MLP probes on frozen embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from skill_aug.errors import ConfigError
from skill_ssl.evaluate.probes import encode_labels, probe_proba, probe_scores, train_test_split


def test_split_column_is_used_when_it_has_train_and_test():
    splits = ["train", "train", "validation", "test", "", "train"]
    sp = train_test_split(splits, ["a"] * 6)
    assert sp.train.tolist() == [0, 1, 5] and sp.test.tolist() == [3]
    assert "split column" in sp.how
    sp = train_test_split(["train", "val", "train", "val"], ["a", "b", "a", "b"])
    assert sp.test.tolist() == [1, 3]


def test_seeded_stratified_split_without_split_column():
    y = np.array(["a"] * 10 + ["b"] * 5 + ["c"])
    sp = train_test_split(None, y, test_size=0.4, seed=1)
    assert np.intersect1d(sp.train, sp.test).size == 0
    assert sorted(np.concatenate([sp.train, sp.test]).tolist()) == list(range(16))
    test_labels = y[sp.test].tolist()
    assert test_labels.count("a") == 4 and test_labels.count("b") == 2 and "c" not in test_labels
    again = train_test_split(None, y, test_size=0.4, seed=1)
    assert again.test.tolist() == sp.test.tolist()
    assert train_test_split(["train"] * 16, y, 0.4, 1).test.size > 0  # no test split: falls back
    with pytest.raises(ConfigError):
        train_test_split(None, y, test_size=1.5)


def _blobs(n_per=30, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim)) * 4
    y = np.repeat(np.arange(3), n_per)
    return centres[y] + rng.normal(size=(len(y), dim)), np.array(["cat", "dog", "owl"])[y]


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_probes_separate_separable_classes(kind):
    x, labels = _blobs()
    sp = train_test_split(None, labels, 0.3, seed=0)
    scores = probe_scores(x, labels, sp, kinds=(kind,))[kind]
    assert scores["acc"] == 1.0 and scores["r@90"] == 1.0 and scores["r@95"] == 1.0


def test_probe_on_noise_is_near_chance():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(300, 8)), rng.integers(0, 3, 300).astype(str)
    scores = probe_scores(x, labels, train_test_split(None, labels, 0.3, seed=0), kinds=("linear",))["linear"]
    assert 0.15 < scores["acc"] < 0.55
    assert scores["r@95"] < 0.2


def test_single_class_training_set_and_unseen_test_class():
    x = np.zeros((4, 2))
    proba = probe_proba("linear", x[:3], [1, 1, 1], x[3:], n_classes=3)
    assert proba.tolist() == [[0.0, 1.0, 0.0]]
    codes, classes = encode_labels(["b", "a", "b"])
    assert classes == ["a", "b"] and codes.tolist() == [1, 0, 1]
    with pytest.raises(ConfigError):
        probe_proba("forest", x[:2], [0, 1], x[2:], 2)
