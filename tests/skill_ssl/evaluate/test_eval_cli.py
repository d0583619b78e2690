"""The evaluation commands end to end, in real subprocesses, on real photos with a tiny random backbone."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import typer
from PIL import Image

TINY = "random:vit_tiny_patch16_224,image_size=32,patch_size=8,depth=2"


def evalcli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "skill_ssl.evaluate.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})


def assert_png(path):
    assert path.is_file(), f"missing {path.name}"
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width >= 100 and im.height >= 100


def test_register_adds_the_four_commands():
    from typer.testing import CliRunner

    from skill_ssl.evaluate.cli import register

    app = typer.Typer()
    register(app)
    assert sorted(c.name for c in app.registered_commands) == ["clusters", "embed", "eval", "similar"]
    res = CliRunner().invoke(app, ["eval", "--help"])
    assert res.exit_code == 0 and "--label" in res.output and "--n-clusters" in res.output


@pytest.mark.slow
def test_eval_two_random_backbones_on_real_photos(tmp_path, clothing_dir):
    out = tmp_path / "report"
    res = evalcli("eval", TINY, TINY + ",seed=1", "--data", clothing_dir, "--max-images", 120, "--out", out,
                  "--device", "cpu")
    assert res.returncode == 0, res.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["n_embedded"] == 120 and report["data"]["skipped"] == []
    assert set(report["data"]["labels"]) == {"label"}
    assert [m["name"] for m in report["models"]] == ["random-vit_tiny_patch16_224", "random-vit_tiny_patch16_224-seed1"]
    n_clusters = report["settings"]["n_clusters"]
    for m in report["models"]:
        assert m["model"]["arch"] == "vit_tiny_patch16_224" and m["model"]["embed_dim"] == 192
        probe = m["probes"]["label"]
        assert probe["n_train"] + probe["n_test"] <= 120 and probe["n_test"] > 0
        for kind in ("linear", "mlp"):
            assert set(probe[kind]) == {"acc", "r@90", "r@95"}
            assert all(0.0 <= v <= 1.0 for v in probe[kind].values())
            assert probe[kind]["r@95"] <= probe[kind]["r@90"] + 1e-9
        c = m["color"]
        assert c["n_clusters"] == n_clusters and 0.0 <= c["entropy_mean"] <= c["max_bits"]
        assert 0.0 <= c["color_probe_acc"] <= 1.0
        assert set(m["retrieval"]["label_agreement"]["label"]) == {"top1", "top5", "top20"}
        assert m["retrieval"]["product_precision"] is None  # each photo is its own product here
        for png in m["plots"].values():
            assert_png(out / png)
        assert set(m["plots"]) == {"neighbours", "clusters", "map"}
    assert_png(out / report["plots"]["color_entropy"])
    md = (out / "report.md").read_text()
    assert "| model | Linear Acc | Linear R@90 | Linear R@95 | Non-linear Acc | Non-linear R@90 | Non-linear R@95 |" in md
    for m in report["models"]:
        assert f"| {m['name']} | {100 * m['probes']['label']['linear']['acc']:.1f} |" in md
        for png in m["plots"].values():
            assert f"]({png})" in md
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == 7  # 3 per model + the entropy chart


@pytest.fixture
def photos(tmp_path, clothing_rows, clothing_dir):
    """Twelve real photos (with a label column) and one corrupt file, behind a manifest."""
    folder = tmp_path / "shop"
    folder.mkdir()
    rows = [r for r in clothing_rows if r["split"] == "train"][::97][:12]
    with (folder / "products.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "product_id", "label"])
        for i, r in enumerate(rows):
            shutil.copy(clothing_dir / r["image"], folder / f"{i:02d}.jpg")
            w.writerow([f"{i:02d}.jpg", f"p{i // 2}", r["label"]])
        (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
        w.writerow(["broken.jpg", "p99", "shirt"])
    return folder


@pytest.mark.slow
def test_embed_then_similar_then_clusters(tmp_path, photos):
    index = tmp_path / "emb.parquet"
    res = evalcli("embed", TINY, "--data", photos / "products.csv", "--out", index, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "embedded 12 image(s) (192-d)" in res.stdout and "skipped 1" in res.stdout
    assert "broken.jpg" in res.stderr
    from skill_ssl.evaluate.index import read_index

    idx = read_index(index)
    assert len(idx) == 12 and idx.embeddings.shape == (12, 192)
    assert idx.column("product_id")[:3] == ["p0", "p0", "p1"] and idx.info["model"]["run"] == TINY

    query = photos / "05.jpg"
    res = evalcli("similar", TINY, query, "--index", index, "--k", 4, "--out", tmp_path / "nn.png", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    ranked = [line.split() for line in res.stdout.splitlines() if line.startswith("  ")]
    assert len(ranked) == 4
    assert ranked[0][2].endswith("05.jpg") and float(ranked[0][1]) < 1e-4  # the photo itself, distance 0
    assert [float(r[1]) for r in ranked] == sorted(float(r[1]) for r in ranked)
    assert_png(tmp_path / "nn.png")

    out = tmp_path / "clusters"
    res = evalcli("clusters", TINY, "--index", index, "--n-clusters", 3, "--out", out)
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "clusters.json").read_text())
    assert summary["n_clusters"] == 3 and sum(c["size"] for c in summary["clusters"]) == 12
    assert 0.0 <= summary["color_entropy_mean"] <= summary["color_max_bits"]
    with (out / "clusters.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 and {r["cluster"] for r in rows} == {"0", "1", "2"}
    assert_png(out / summary["montages"][0])


@pytest.mark.slow
def test_user_errors_are_one_line(tmp_path, clothing_dir, photos):
    res = evalcli("eval", TINY, "--data", clothing_dir, "--label", "lable", "--out", tmp_path / "r")
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr
    assert "--label 'lable' is not a column" in res.stderr and "did you mean 'label'" in res.stderr

    res = evalcli("similar", TINY, photos / "00.jpg", "--index", tmp_path / "nope.npy")
    assert res.returncode == 2 and "nope.npy: no such index file" in res.stderr
    assert res.stderr.strip().count("\n") == 0

    res = evalcli("embed", "runs/does-not-exist", "--data", photos / "products.csv", "--out", tmp_path / "e.npy")
    assert res.returncode == 2 and "Traceback" not in res.stderr and res.stderr.strip().count("\n") == 0


def test_clusters_of_an_npy_index_in_process(tmp_path, photos):
    """The clusters command's core on an index written in .npy form (no subprocess: fast)."""
    from skill_ssl.evaluate.clusters import cluster_index
    from skill_ssl.evaluate.index import EmbeddingIndex, read_index, write_index

    rows = [{"image": str(photos / f"{i:02d}.jpg"), "product_id": f"p{i}"} for i in range(12)]
    emb = np.repeat(np.eye(3), 4, axis=0) + np.random.default_rng(0).normal(scale=0.01, size=(12, 3))
    write_index(tmp_path / "e.npy", EmbeddingIndex(emb, rows))
    summary = cluster_index(read_index(tmp_path / "e.npy"), 3, tmp_path / "c", per_row=4)
    assert sorted(c["size"] for c in summary["clusters"]) == [4, 4, 4]
    assert_png(tmp_path / "c" / "clusters.png")


def test_evaluate_in_process_with_products_and_an_unreadable_photo(tmp_path, photos):
    """No split column (seeded split), photos grouped in products, one corrupt file: all reported, no pictures."""
    from skill_ssl.evaluate.suite import EvalSettings, evaluate

    report = evaluate([TINY], photos / "products.csv", tmp_path / "r", EvalSettings(n_clusters=3, plots=False))
    assert report["data"]["n_embedded"] == 12 and len(report["data"]["skipped"]) == 1
    assert "broken.jpg" in report["data"]["skipped"][0]
    (m,) = report["models"]
    assert m["probes"]["label"]["split"].startswith("seeded stratified split")
    pp = m["retrieval"]["product_precision"]
    assert set(pp) == {"p@1", "p@5", "p@20"} and all(0.0 <= v <= 1.0 for v in pp.values())
    assert m["color"]["n_clusters"] == 3 and m["plots"] == {}
    assert not list((tmp_path / "r").glob("*.png"))
    md = (tmp_path / "r" / "report.md").read_text()
    assert "product P@1" in md and "1 unreadable skipped" in md
