"""The ``skill-ssl`` command: ``train`` and ``export`` here; ``embed``, ``eval``, ``similar``, ``clusters`` from skill_ssl.evaluate.cli.

Every field of :class:`~skill_ssl.config.TrainConfig` is a ``train`` flag (``--batch-size``,
``--use-local/--no-use-local``, ...), generated from the dataclass so flags and config files never drift
apart. Precedence: preset < ``--config`` file < flags.
"""

from __future__ import annotations

import inspect
from dataclasses import fields
from pathlib import Path
from typing import Any, Optional, get_args, get_origin, get_type_hints

import typer

from skill_aug.console import run_app
from skill_aug.errors import ConfigError
from skill_ssl.config import TrainConfig, read_config_file  # no torch: keeps `skill-ssl --help` fast

app = typer.Typer(
    name="skill-ssl",
    help="SkiLL trainer and evaluation: train, export, embed, eval, similar, clusters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

HELP: dict[str, str] = {
    "task": "Product type (a registered task, see `skill-aug tasks`).",
    "method": "skill (default), dino, byol or simclr.",
    "augment": "Augmentation space: skill or vanilla (DINO's); default: the method's own.",
    "data": "Manifest CSV or image folder; default: the built-in synthetic catalogue.",
    "split": "Use manifest rows of this split ('all' for every row).",
    "skip_missing": "Skip manifest rows whose image file does not exist (listed in the log).",
    "out": "Run directory (default runs/TASK-METHOD[-N]).",
    "preset": "auto (cpu sizes on CPU, the paper's on CUDA), cpu or paper.",
    "device": "auto, cpu, cuda or cuda:N.",
    "seed": "Seed of everything random (init, data order, augmentations).",
    "synth_products": "Synthetic catalogue: number of products.",
    "synth_size": "Synthetic catalogue: photo side in pixels.",
    "synth_photos": "Synthetic catalogue: photos per product, 'lo-hi'.",
    "arch": "timm ViT name, e.g. vit_small_patch8_224.",
    "patch_size": "Override the ViT patch size.",
    "depth": "Override the ViT depth.",
    "embed_dim": "Override the ViT width.",
    "num_heads": "Override the ViT attention heads.",
    "drop_path": "Student stochastic depth rate.",
    "timm": "Extra timm.create_model keyword, KEY=VALUE (repeatable).",
    "out_dim": "DINO head output dimension K.",
    "head_hidden": "Head MLP hidden width.",
    "head_bottleneck": "DINO head bottleneck (BYOL/SimCLR projection) dimension.",
    "head_layers": "DINO head MLP layers.",
    "norm_last_layer": "Fix the DINO head's last-layer weight norm to 1.",
    "head_bn": "BatchNorm (batch statistics) in the DINO head's MLP; default: the preset's.",
    "global_size": "Global view side (px); also the embedding model's input size.",
    "low_size": "Low-resolution view side (px).",
    "n_low": "Number of low-resolution views c.",
    "local_size": "Task-local region view side (px); default: the task's.",
    "global_scale": "Global crop area range, 'lo,hi'.",
    "low_scale": "Low-resolution crop area range, 'lo,hi'.",
    "use_local": "Task-local region views (SkiLL's A_i).",
    "use_head": "Place regions from a detected head (else from the silhouette).",
    "same_product_pairs": "Second global view from another photo of the product.",
    "detector": "Head detector backend.",
    "gray_p": "Grayscale probability.",
    "jitter_p": "Colour jitter probability.",
    "blur_p": "Gaussian blur probability.",
    "space": "Any other augmentation setting, KEY=VALUE (repeatable).",
    "epochs": "Epochs.",
    "batch_size": "Products per batch per process.",
    "lr": "Base learning rate for a global batch of 256 (scaled linearly).",
    "min_lr": "Final learning rate.",
    "warmup_epochs": "Learning-rate linear warm-up epochs.",
    "weight_decay": "Initial weight decay.",
    "weight_decay_end": "Final weight decay (cosine).",
    "clip_grad": "Max gradient norm (0: off).",
    "freeze_last_layer": "Epochs with the head's last layer frozen.",
    "momentum_teacher": "Initial teacher EMA momentum (cosine to 1).",
    "teacher_temp": "Teacher temperature after warm-up (0.04-0.07).",
    "warmup_teacher_temp": "Initial teacher temperature.",
    "warmup_teacher_temp_epochs": "Teacher temperature warm-up epochs.",
    "student_temp": "Student temperature.",
    "center_momentum": "Centre EMA momentum.",
    "center_init": "DINO centre start: batch (the first batch's teacher mean) or zeros (DINO's code).",
    "simclr_temp": "SimCLR NT-Xent temperature.",
    "amp": "Mixed precision: auto, bf16, fp16 or off.",
    "workers": "DataLoader worker processes (on a CPU run they also make the views).",
    "worker_views": "On a CPU run with workers, make the views in the workers (default) or, with --no-worker-views, in the main process.",
    "ckpt_every": "Also checkpoint every N steps (0: epoch ends only).",
    "log_every": "Write a metrics line every N steps.",
    "tensorboard": "Also write TensorBoard logs (needs tensorboard).",
    "stop_at_step": "Stop after this step as if interrupted (resume later).",
    "dist_backend": "torch.distributed backend: auto, nccl or gloo.",
}


def _kv(items: list[str], flag: str) -> dict[str, Any]:
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--{flag} {item!r} must look like KEY=VALUE")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _cli_type(hint: Any) -> Any:
    args = get_args(hint)
    if type(None) in args:
        hint = next(a for a in args if a is not type(None))
    origin = get_origin(hint) or hint
    if origin in (tuple,):
        return str
    if origin is dict:
        return list[str]
    return origin


def _train_signature() -> tuple[inspect.Signature, dict[str, Any]]:
    params, annotations = [], {}

    def add(name: str, annotation: Any, option: Any) -> None:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation))
        annotations[name] = annotation

    add("config", Optional[Path], typer.Option(None, "--config", help="YAML/TOML file of settings; flags override it."))
    add("resume", Optional[Path], typer.Option(None, "--resume", help="Continue the run in this directory."))
    add("progress", Optional[bool], typer.Option(None, "--progress/--no-progress",
                                                 help="Progress bar (default: when stderr is a terminal)."))
    hints = get_type_hints(TrainConfig)
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        typ = _cli_type(hints[f.name])
        if typ is bool:
            decl = f"{flag}/--no-{f.name.replace('_', '-')}"
            add(f.name, Optional[bool], typer.Option(None, decl, help=HELP.get(f.name, "")))
        else:
            add(f.name, Optional[typ], typer.Option(None, flag, help=HELP.get(f.name, ""), show_default=False))
    return inspect.Signature(params), annotations


def train_command(**kwargs: Any) -> None:
    """Train a design-embedding model (SkiLL by default). Every setting may also come from --config."""
    from skill_ssl.train import train

    config_file, resume, progress = kwargs.pop("config"), kwargs.pop("resume"), kwargs.pop("progress")
    flags = {k: v for k, v in kwargs.items() if v is not None and v != []}
    for key in ("timm", "space"):
        if key in flags:
            flags[key] = _kv(flags[key], key)
    values: dict[str, Any] = {}
    if config_file is not None:
        if resume is not None:
            raise ConfigError("--config and --resume cannot be combined; a resumed run reuses its saved config.yaml")
        values.update(read_config_file(config_file))
    cfg = TrainConfig.from_dict(values, str(config_file) if config_file else "config").update(flags, "command line")
    train(cfg, resume=resume, progress=progress)


_sig, _ann = _train_signature()
train_command.__signature__ = _sig  # type: ignore[attr-defined]
train_command.__annotations__ = {**_ann, "return": None}
app.command("train")(train_command)


@app.command("export")
def export_command(
    run: Path = typer.Argument(..., help="Run directory or checkpoint file."),
    out: Path = typer.Option(..., "--out", "-o", help="Output .safetensors file."),
    network: str = typer.Option("auto", "--network", help="auto (teacher when there is one), teacher or student."),
) -> None:
    """Export the embedding backbone (the teacher) as .safetensors, loadable by skill_ssl.load_backbone."""
    from skill_ssl.export import export

    path, meta = export(run, out, network)
    typer.echo(f"wrote {path} ({meta['arch']}, {meta['embed_dim']}-d, input {meta['image_size']} px, "
               f"{meta['network']} of step {meta['step']})")


from skill_ssl.evaluate.cli import register as _register_eval_commands  # noqa: E402

_register_eval_commands(app)


def main() -> None:
    run_app(app, "skill-ssl")


if __name__ == "__main__":
    main()
