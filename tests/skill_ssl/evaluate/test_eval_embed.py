"""Embedding a data set with a tiny random backbone: one row per readable image, skipped ones reported."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from skill_aug.errors import ConfigError
from skill_ssl.evaluate.embed import embed_records, load_model, model_name, parse_random_spec

TINY = "random:vit_tiny_patch16_224,image_size=32,patch_size=8,depth=2"


@pytest.fixture(scope="module")
def tiny():
    return load_model(TINY)


@pytest.fixture
def photo_folder(tmp_path, clothing_images):
    """Six real photos, a corrupt JPEG and an empty file, in a folder."""
    for i, p in enumerate(clothing_images[:6]):
        shutil.copy(p, tmp_path / f"{i:02d}.jpg")
    (tmp_path / "03b_corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "05b_empty.png").write_bytes(b"")
    return tmp_path


def test_random_spec_parsing():
    assert parse_random_spec(TINY) == ("vit_tiny_patch16_224", {"image_size": 32, "patch_size": 8, "depth": 2})
    assert model_name(TINY) == "random-vit_tiny_patch16_224"
    assert model_name(TINY + ",seed=3") == "random-vit_tiny_patch16_224-seed3"
    with pytest.raises(ConfigError, match="key=value"):
        parse_random_spec("random:vit_tiny_patch16_224,depth")
    with pytest.raises(ConfigError, match="architecture"):
        load_model("random:")
    with pytest.raises(ConfigError, match="vit_tinny"):
        load_model("random:vit_tinny_patch16_224")


def test_embed_skips_unreadable_images_and_keeps_order(tiny, photo_folder):
    from skill_aug.io import load_records, read_image

    records, _ = load_records(photo_folder)
    assert len(records) == 8
    seen = []
    res = embed_records(tiny, records, batch_size=3, workers=2, on_batch=lambda idx, ims: seen.extend(idx.tolist()))
    names = [records[i].image.name for i in res.kept]
    assert names == [f"{i:02d}.jpg" for i in range(6)]
    assert seen == res.kept.tolist()
    assert len(res.skipped) == 2
    assert any("03b_corrupt.jpg" in s for s in res.skipped) and any("05b_empty.png" in s for s in res.skipped)
    (emb,) = res.embeddings
    assert emb.shape == (6, tiny.embed_dim) and emb.dtype == np.float32 and np.isfinite(emb).all()
    # the same numbers as embedding the decoded images directly with the model
    direct = tiny.embed([torch.from_numpy(read_image(records[i].image)).permute(2, 0, 1) for i in res.kept])
    assert np.allclose(emb, direct.numpy(), atol=1e-5)


def test_several_models_in_one_pass(tiny, photo_folder):
    from skill_aug.io import load_records

    other = load_model(TINY + ",seed=1")
    records, _ = load_records(photo_folder)
    res = embed_records([tiny, other], records[:4], batch_size=2)
    a, b = res.embeddings
    assert a.shape == b.shape == (4, tiny.embed_dim)
    assert not np.allclose(a, b)  # different random weights
    with pytest.raises(ConfigError):
        embed_records(tiny, records, batch_size=0)


def test_exported_safetensors_is_a_run(tiny, tmp_path, clothing_images):
    from skill_aug.io import read_image
    from skill_ssl.models import save_safetensors

    path = save_safetensors(tiny, tmp_path / "shirt.safetensors")
    loaded = load_model(str(path))
    assert model_name(str(path)) == "shirt"
    assert (loaded.arch, loaded.image_size, loaded.embed_dim) == (tiny.arch, tiny.image_size, tiny.embed_dim)
    images = [torch.from_numpy(read_image(p)).permute(2, 0, 1) for p in clothing_images[:2]]
    assert torch.allclose(loaded.embed(images), tiny.embed(images), atol=1e-5)
