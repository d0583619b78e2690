"""A real 2-process ``torchrun`` run with the gloo backend on CPU."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from skill_ssl.checkpoint import load_checkpoint
from skill_ssl.models import load_backbone

TORCHRUN = Path(sys.executable).parent / "torchrun"


def test_torchrun_two_processes_agree(tmp_path, small_data, tiny_flags):
    out = tmp_path / "ddp"
    cmd = [str(TORCHRUN), "--standalone", "--nproc_per_node=2", "-m", "skill_ssl", "train", "--task", "shirt",
           "--data", str(small_data), "--out", str(out), "--dist-backend", "gloo",
           *tiny_flags(batch_size=2, epochs=1)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert res.stdout.count("run finished") == 1          # only rank 0 reports
    ckpt = load_checkpoint(out)
    assert ckpt["world_size"] == 2 and ckpt["step"] == 3  # 12 products / (2 x 2) per global batch
    log = (out / "train.log").read_text()
    assert "x 2 processes" in log
    digests = re.search(r"teacher sha256 by rank: r0=(\w+), r1=(\w+)", log)
    assert digests, log
    assert digests.group(1) == digests.group(2)           # both ranks ended with the same teacher
    assert load_backbone(out).embed_dim == 64
