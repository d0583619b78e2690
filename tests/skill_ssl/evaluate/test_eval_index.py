"""Embedding indexes on disk: .parquet and .npy + .json round trips and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from skill_aug.errors import ConfigError, ManifestError
from skill_ssl.evaluate.index import EmbeddingIndex, read_index, sidecar, write_index


def _index(n=5, d=4):
    rng = np.random.default_rng(0)
    rows = [{"image": f"/data/{i}.jpg", "product_id": f"p{i // 2}", "split": "train", "label": "ab"[i % 2]}
            for i in range(n)]
    rows[0]["split"] = ""
    return EmbeddingIndex(rng.normal(size=(n, d)), rows, {"model": {"run": "random:vit_tiny", "embed_dim": d}})


@pytest.mark.parametrize("suffix", [".parquet", ".npy"])
def test_round_trip(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow", reason="parquet needs pyarrow (pip install skill-aug[parquet])")
    idx = _index()
    files = write_index(tmp_path / f"emb{suffix}", idx)
    assert all(f.exists() for f in files)
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temp files
    back = read_index(files[0])
    assert back.embeddings.dtype == np.float32
    assert np.array_equal(back.embeddings, idx.embeddings)
    assert back.rows == idx.rows
    assert back.info == idx.info
    assert back.columns == ["image", "product_id", "split", "label"]


def test_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="emb.csv"):
        write_index(tmp_path / "emb.csv", _index())
    with pytest.raises(ManifestError, match="no such index file"):
        read_index(tmp_path / "missing.npy")
    write_index(tmp_path / "emb.npy", _index())
    sidecar(tmp_path / "emb.npy").unlink()
    with pytest.raises(ManifestError, match="sidecar emb.json is missing"):
        read_index(tmp_path / "emb.npy")
    np.save(tmp_path / "bad.npy", np.zeros((3, 2)))
    (tmp_path / "bad.json").write_text('{"columns": ["image"], "rows": [["a"]]}')
    with pytest.raises(ManifestError, match="shape"):
        read_index(tmp_path / "bad.npy")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises((ManifestError, ConfigError), match="junk.parquet"):
        read_index(tmp_path / "junk.parquet")
    with pytest.raises(ValueError):
        EmbeddingIndex(np.zeros((2, 3)), [{"image": "a"}])
