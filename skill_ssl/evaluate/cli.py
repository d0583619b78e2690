"""The evaluation commands of ``skill-ssl``: ``embed``, ``eval``, ``similar``, ``clusters``.

:func:`register` adds them to a Typer app. ``python -m skill_ssl.evaluate.cli`` runs them on their own.
A ``RUN`` is a run folder, a checkpoint, an exported ``.safetensors`` file, or ``random:<arch>[,key=value...]``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

RUN_HELP = ("Run folder, checkpoint, .safetensors file, or random:<arch>[,key=value...] "
            "(e.g. random:vit_tiny_patch16_224) for a random-init baseline.")
DATA_HELP = "Manifest CSV or image folder (labels = extra columns; split and product_id columns optional)."
DEVICE_HELP = "Device to embed on: auto (cuda when available), cpu, cuda, cuda:1, ..."


def _device(name: str) -> str:
    if name == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def _say(msg: str) -> None:
    typer.echo(msg, err=True)


def _report_skipped(skipped: list[str]) -> None:
    if skipped:
        _say(f"skipped {len(skipped)} unreadable image(s):")
        for s in skipped[:10]:
            _say(f"  {s}")
        if len(skipped) > 10:
            _say(f"  ... and {len(skipped) - 10} more")


def embed_command(
    run: Annotated[str, typer.Argument(help=RUN_HELP)],
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    out: Annotated[Path, typer.Option("--out", help="Index to write: .parquet, or .npy (+ .json sidecar).")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Images per forward pass.")] = 64,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Image-decoding threads.")] = 4,
    device: Annotated[str, typer.Option("--device", help=DEVICE_HELP)] = "auto",
    skip_missing: Annotated[bool, typer.Option("--skip-missing", help="Skip manifest rows whose image does not exist.")] = False,
) -> None:
    """Embed every readable image of DATA with RUN into an index file (unreadable images are skipped and listed)."""
    from skill_aug.io import load_records
    from skill_ssl.evaluate.embed import embed_records, load_model, model_info
    from skill_ssl.evaluate.index import EmbeddingIndex, check_format, rows_from_records, write_index

    check_format(out)
    records, missing = load_records(data, skip_missing=skip_missing)
    model = load_model(run, _device(device))
    res = embed_records(model, records, batch_size=batch_size, workers=workers)
    kept = [records[i] for i in res.kept]
    info = {"model": model_info(run, model), "data": str(data), "n_records": len(records),
            "skipped": res.skipped, "missing": missing}
    files = write_index(out, EmbeddingIndex(res.embeddings[0], rows_from_records(kept), info))
    _report_skipped(res.skipped + missing)
    typer.echo(f"embedded {len(kept)} image(s) ({model.embed_dim}-d) into {', '.join(map(str, files))}; "
               f"skipped {len(res.skipped) + len(missing)}")


def eval_command(
    runs: Annotated[list[str], typer.Argument(help=RUN_HELP + " Several runs are compared in one report.")],
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    out: Annotated[Path, typer.Option("--out", help="Report folder (report.json, report.md, PNGs).")] = Path("report"),
    label: Annotated[Optional[list[str]], typer.Option("--label", help="Label column to probe (repeat); default: every label column with more than one class.")] = None,
    n_clusters: Annotated[Optional[int], typer.Option("--n-clusters", min=2, help="Clusters L for color entropy (same for every model); default min(50, images/4).")] = None,
    color_crop: Annotated[str, typer.Option("--color-crop", help="Color-ID crop: foreground, person (below a detected head) or none.")] = "foreground",
    max_images: Annotated[Optional[int], typer.Option("--max-images", min=2, help="Evaluate a seeded random subset of this many images.")] = None,
    test_size: Annotated[float, typer.Option("--test-size", help="Test fraction when the data has no split column.")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of splits, subsets, picks and t-SNE.")] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 64,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Image-decoding threads.")] = 4,
    device: Annotated[str, typer.Option("--device", help=DEVICE_HELP)] = "auto",
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write the PNG pictures.")] = True,
    skip_missing: Annotated[bool, typer.Option("--skip-missing", help="Skip manifest rows whose image does not exist.")] = False,
) -> None:
    """Probes (linear, MLP: Acc, R@90, R@95), color entropy, color probe, kNN retrieval and pictures for each RUN."""
    from skill_ssl.evaluate.suite import EvalSettings, evaluate

    settings = EvalSettings(labels=label or None, n_clusters=n_clusters, color_crop=color_crop, max_images=max_images,
                            test_size=test_size, seed=seed, batch_size=batch_size, workers=workers,
                            device=_device(device), plots=plots, skip_missing=skip_missing)
    report = evaluate(runs, data, out, settings)
    _report_skipped(report["data"]["skipped"])
    for m in report["models"]:
        parts = [f"{lab}: lin acc {r['linear']['acc']:.3f}" for lab, r in m["probes"].items() if "linear" in r]
        parts.append(f"color entropy {m['color']['entropy_mean']:.3f} bits")
        typer.echo(f"{m['name']}: " + "; ".join(parts))
    typer.echo(f"wrote {out / 'report.md'} and {out / 'report.json'}")


def similar_command(
    run: Annotated[str, typer.Argument(help=RUN_HELP + " Must be the model that made the index.")],
    queries: Annotated[list[Path], typer.Argument(help="Query image(s).")],
    index: Annotated[Path, typer.Option("--index", help="Index written by skill-ssl embed (.parquet or .npy).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Neighbours per query.")] = 8,
    out: Annotated[Optional[Path], typer.Option("--out", help="PNG montage of the queries and their neighbours.")] = None,
    backend: Annotated[str, typer.Option("--backend", help="auto (FAISS for large indexes when installed), exact or faiss.")] = "auto",
    device: Annotated[str, typer.Option("--device", help=DEVICE_HELP)] = "auto",
) -> None:
    """Find the K most similar indexed images of each query image (cosine distance); print them, draw a montage."""
    import torch

    from skill_aug.errors import ConfigError
    from skill_aug.io import read_image
    from skill_ssl.evaluate.embed import load_model
    from skill_ssl.evaluate.index import read_index
    from skill_ssl.evaluate.retrieval import build_index

    idx = read_index(index)
    if len(idx) == 0:
        raise ConfigError(f"{index}: the index is empty; embed some images first")
    images = [read_image(q) for q in queries]
    model = load_model(run, _device(device))
    dim = idx.embeddings.shape[1]
    if model.embed_dim != dim:
        raise ConfigError(f"{index}: holds {dim}-d embeddings but {run} gives {model.embed_dim}-d; "
                          "query with the RUN that made the index (see skill-ssl embed)")
    made_by = idx.info.get("model", {}).get("run")
    if made_by and made_by != run:
        _say(f"warning: {index} was made by {made_by}, not {run}; distances are only meaningful for the same model")
    q = model.embed([torch.from_numpy(im).permute(2, 0, 1) for im in images]).numpy()
    search = build_index(idx.embeddings, backend)
    sims, ids = search.search(q, k)
    rows = []
    for qi, (qpath, s_row, i_row) in enumerate(zip(queries, sims, ids)):
        typer.echo(f"{qpath}  ({search.backend} search, {len(idx)} indexed)")
        neigh = []
        for rank, (s, i) in enumerate(zip(s_row, i_row), start=1):
            r = idx.rows[int(i)]
            typer.echo(f"  {rank:>3}  {1.0 - float(s):.4f}  {r.get('image', '')}")
            neigh.append((r.get("image"), 1.0 - float(s), ""))
        rows.append((images[qi], "", neigh))
    if out is not None:
        from skill_ssl.evaluate.plots import neighbour_montage

        typer.echo(f"wrote {neighbour_montage(rows, out)}")


def clusters_command(
    run: Annotated[str, typer.Argument(help=RUN_HELP + " With --index it names the model; with --data it embeds.")],
    index: Annotated[Optional[Path], typer.Option("--index", help="Index written by skill-ssl embed.")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help="Embed this data with RUN instead of reading an index.")] = None,
    n_clusters: Annotated[int, typer.Option("--n-clusters", min=2, help="Number of clusters.")] = 50,
    out: Annotated[Path, typer.Option("--out", help="Folder for clusters.csv, clusters.json and montage PNGs.")] = Path("clusters"),
    color: Annotated[bool, typer.Option("--color/--no-color", help="Compute color IDs and each cluster's color entropy.")] = True,
    color_crop: Annotated[str, typer.Option("--color-crop", help="foreground, person or none.")] = "foreground",
    per_row: Annotated[int, typer.Option("--per-row", min=1, help="Images shown per cluster.")] = 8,
    max_items: Annotated[int, typer.Option("--max-items", min=2, help="Cluster a seeded sample of at most this many items.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help=DEVICE_HELP)] = "auto",
) -> None:
    """Agglomerative clusters of the embeddings: which image is where, color entropy, one montage row per cluster."""
    from skill_aug.errors import ConfigError
    from skill_ssl.evaluate.clusters import cluster_index
    from skill_ssl.evaluate.color import CROPS
    from skill_ssl.evaluate.index import EmbeddingIndex, read_index, rows_from_records

    if (index is None) == (data is None):
        raise ConfigError("give exactly one of --index (an embedding index) or --data (images to embed with RUN)")
    if color_crop not in CROPS:
        raise ConfigError(f"--color-crop {color_crop!r} is not one of {', '.join(CROPS)}")
    if index is not None:
        idx = read_index(index)
        made_by = idx.info.get("model", {}).get("run")
        if made_by and made_by != run:
            _say(f"warning: {index} was made by {made_by}, not {run}")
    else:
        from skill_aug.io import load_records
        from skill_ssl.evaluate.embed import embed_records, load_model, model_info

        records, _ = load_records(data)
        model = load_model(run, _device(device))
        res = embed_records(model, records)
        _report_skipped(res.skipped)
        idx = EmbeddingIndex(res.embeddings[0], rows_from_records([records[i] for i in res.kept]),
                             {"model": model_info(run, model)})
    summary = cluster_index(idx, n_clusters, out, color=color, crop=color_crop, per_row=per_row,
                            max_items=max_items, seed=seed)
    ent = summary.get("color_entropy_mean")
    typer.echo(f"{summary['n_clustered']} item(s) in {n_clusters} clusters"
               + (f"; mean color entropy {ent:.3f} bits (shuffled colors: {summary['color_entropy_shuffled']:.3f})"
                  if ent is not None else "")
               + f"; wrote {out / 'clusters.csv'}, {out / 'clusters.json'}, " + ", ".join(summary["montages"]))


def register(app: typer.Typer) -> None:
    """Add ``embed``, ``eval``, ``similar`` and ``clusters`` to ``app``."""
    app.command("embed")(embed_command)
    app.command("eval")(eval_command)
    app.command("similar")(similar_command)
    app.command("clusters")(clusters_command)


def make_app() -> typer.Typer:
    """A stand-alone app with only the evaluation commands."""
    app = typer.Typer(name="skill-ssl", help="SkiLL evaluation: embed, eval, similar, clusters.",
                      no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    register(app)
    return app


def main() -> None:
    from skill_aug.console import run_app

    run_app(make_app(), "skill-ssl")


if __name__ == "__main__":
    sys.exit(main())
