"""Data order, sharding and sources."""

from __future__ import annotations

import pytest

from skill_aug.errors import ManifestError
from skill_ssl.config import TrainConfig
from skill_ssl.data import EpochBatchSampler, epoch_permutation, load_source, space_config, steps_per_epoch


def test_epoch_order_is_seeded_and_changes_per_epoch():
    assert epoch_permutation(50, 0, 1).tolist() == epoch_permutation(50, 0, 1).tolist()
    assert epoch_permutation(50, 0, 1).tolist() != epoch_permutation(50, 0, 2).tolist()
    assert sorted(epoch_permutation(50, 3, 0).tolist()) == list(range(50))


def test_shards_are_disjoint_and_resume_continues_the_same_order():
    perm = epoch_permutation(23, 0, 0)
    full = list(EpochBatchSampler(perm, 3, rank=0, world_size=1))
    assert len(full) == steps_per_epoch(23, 3) == 7
    assert list(EpochBatchSampler(perm, 3, start=4)) == full[4:]
    r0 = list(EpochBatchSampler(perm, 3, rank=0, world_size=2))
    r1 = list(EpochBatchSampler(perm, 3, rank=1, world_size=2))
    assert len(r0) == len(r1) == 3
    for a, b in zip(r0, r1):
        assert not set(a) & set(b)
    # global batch k of the 2-process run is batch k of rank 0 then rank 1
    assert [i for a, b in zip(r0, r1) for i in a + b] == perm.tolist()[:18]


def test_manifest_split_filter(clothing_dir):
    cfg = TrainConfig(task="shirt", data=str(clothing_dir), split="validation")
    records, skipped, desc = load_source(cfg)
    assert {r.split for r in records} == {"validation"} and not skipped and "validation" in desc
    with pytest.raises(ManifestError, match="did you mean 'validation'"):
        load_source(TrainConfig(task="shirt", data=str(clothing_dir), split="valid"))
    assert len(load_source(TrainConfig(task="shirt", data=str(clothing_dir), split="all"))[0]) > len(records)


def test_space_config_per_method():
    skill = space_config(TrainConfig(task="shirt", gray_p=0.3).resolve("cpu"))
    assert skill.use_local and skill.same_product_pairs and skill.gray_p == 0.3 and skill.global_size == 64
    dino = space_config(TrainConfig(task="shirt", method="dino").resolve("cpu"))
    assert not dino.use_local and not dino.same_product_pairs and dino.gray_p == 0.2 and dino.solarize_p == (0.0, 0.2)
    byol = space_config(TrainConfig(task="shirt", method="byol").resolve("cpu"), multicrop=False)
    assert byol.n_low == 0 and not byol.use_local
