"""Atomic checkpoints, safe loading, RNG state."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from skill_aug.errors import CheckpointError
from skill_ssl.checkpoint import FORMAT, VERSION, load_checkpoint, rng_state, save_checkpoint, set_rng_state


def test_save_is_atomic_and_loads_weights_only(tmp_path):
    path = tmp_path / "run" / "checkpoint.pt"
    state = {"format": FORMAT, "version": VERSION, "step": 3, "w": torch.arange(4.0), "nested": {"t": (1, 2.5, None)}}
    save_checkpoint(state, path)
    save_checkpoint({**state, "step": 4}, path)          # overwrite in place
    assert [p.name for p in path.parent.iterdir()] == ["checkpoint.pt"]   # no temp files left behind
    loaded = load_checkpoint(path)
    assert loaded["step"] == 4 and torch.equal(loaded["w"], state["w"])
    assert loaded["nested"]["t"] == (1, 2.5, None)
    assert load_checkpoint(path.parent)["step"] == 4    # a run directory works too


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "obj": random.Random(0)}, path)   # an arbitrary Python object
    with pytest.raises(CheckpointError, match="not a readable skill-ssl checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize("content", [b"", b"garbage", None])
def test_bad_files_are_one_line_errors(tmp_path, content):
    path = tmp_path / "c.pt"
    if content is None:
        torch.save({"something": 1}, path)   # loadable, but not ours
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError) as exc:
        load_checkpoint(path)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)


def test_rng_state_round_trip(tmp_path):
    torch.manual_seed(1)
    np.random.seed(2)
    random.seed(3)
    state = rng_state()
    save_checkpoint({"format": FORMAT, "rng": state}, tmp_path / "r.pt")
    want = (torch.rand(3), np.random.rand(3), random.random())
    set_rng_state(load_checkpoint(tmp_path / "r.pt")["rng"])
    got = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(want[0], got[0]) and np.array_equal(want[1], got[1]) and want[2] == got[2]
