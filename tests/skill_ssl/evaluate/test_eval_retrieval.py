"""Exact and FAISS neighbour search, leave-one-out neighbours, kNN label agreement and product precision@k."""

from __future__ import annotations

import numpy as np
import pytest

from skill_aug.errors import ConfigError
from skill_ssl.evaluate.retrieval import (ExactIndex, build_index, faiss_available, knn_label_agreement,
                                          neighbours_excluding_self, product_precision_at_k)


def test_exact_search_matches_a_full_sort():
    rng = np.random.default_rng(0)
    x, q = rng.normal(size=(500, 12)), rng.normal(size=(7, 12))
    sims, ids = ExactIndex(x, chunk=3).search(q, 10)
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    full = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ xn.T
    assert ids.tolist() == np.argsort(-full, axis=1)[:, :10].tolist()
    assert np.allclose(sims, np.take_along_axis(full, ids, axis=1), atol=1e-5)
    assert (np.diff(sims, axis=1) <= 1e-7).all()
    sims, ids = ExactIndex(x[:4]).search(q, 10)  # k larger than the index: everything, sorted
    assert ids.shape == (7, 4) and sorted(ids[0].tolist()) == [0, 1, 2, 3]


def test_ties_go_to_the_lower_row_and_self_is_excluded():
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    index = ExactIndex(x)
    _, ids = index.search(x[:1], 4)
    assert ids[0].tolist() == [0, 1, 3, 2]
    sims, nn = neighbours_excluding_self(index, x, 2)
    assert nn.tolist() == [[1, 3], [0, 3], [3, 0], [0, 1]]
    assert sims[0, 0] == pytest.approx(1.0)
    with pytest.raises(ConfigError):
        neighbours_excluding_self(ExactIndex(x[:1]), x[:1], 3)


def test_label_agreement_and_product_precision_by_hand():
    nn = np.array([[1, 2], [0, 2], [3, 0], [2, 1]])
    labels = ["a", "a", "b", "a"]  # per row top-2 agreement: (1, 1/2), (1, 1/2), (0, 0), (0, 1/2)
    agr = knn_label_agreement(nn, labels, ks=(1, 2, 5))
    assert agr == {"top1": 0.5, "top2": pytest.approx(3 / 8), "top5": pytest.approx(3 / 8)}  # k capped at 2
    # an unlabelled item is no query: rows 0, 1, 3 remain -> top1 (1 + 1 + 0) / 3
    assert knn_label_agreement(nn, ["a", "a", "", "a"], ks=(1,)) == {"top1": pytest.approx(2 / 3)}
    assert knn_label_agreement(nn, ["", "", "", ""], ks=(1,)) is None
    products = ["p1", "p1", "p2", "p3"]  # only p1 has two photos: queries 0 and 1
    assert product_precision_at_k(nn, products, ks=(1, 2)) == {"p@1": 1.0, "p@2": 0.5}
    assert product_precision_at_k(nn, ["p1", "p2", "p3", "p4"], ks=(1,)) is None


def test_build_index_choices():
    x = np.eye(3)
    assert build_index(x, "auto").backend == "exact"
    assert build_index(x, "exact").backend == "exact"
    with pytest.raises(ConfigError):
        build_index(x, "annoy")


@pytest.mark.skipif(not faiss_available(), reason="faiss not installed (pip install skill-aug[faiss])")
def test_faiss_returns_the_same_neighbours_as_the_exact_search():
    rng = np.random.default_rng(1)
    x, q = rng.normal(size=(2000, 32)).astype(np.float32), rng.normal(size=(20, 32)).astype(np.float32)
    s_exact, i_exact = build_index(x, "exact").search(q, 8)
    s_faiss, i_faiss = build_index(x, "faiss").search(q, 8)
    assert i_exact.tolist() == i_faiss.tolist()
    assert np.allclose(s_exact, s_faiss, atol=1e-5)


@pytest.mark.skipif(faiss_available(), reason="faiss is installed")
def test_faiss_backend_without_faiss_is_a_one_line_error():
    with pytest.raises(ConfigError, match=r"pip install skill-aug\[faiss\]"):
        build_index(np.eye(3), "faiss")
