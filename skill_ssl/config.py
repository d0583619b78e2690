"""The training configuration: one dataclass, read from YAML/TOML, overridden by CLI flags, saved per run.

Precedence: dataclass defaults < preset (``cpu`` or ``paper``; ``auto`` picks by device) < ``--config``
file < command-line flags. Fields left ``None`` are filled by the preset or the method in
:meth:`TrainConfig.resolve`, and the resolved config is what ``config.yaml`` in the run directory holds.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from skill_aug.errors import ConfigError, did_you_mean

CONFIG_NAME = "config.yaml"
AMP_MODES = ("auto", "bf16", "fp16", "off")
CENTER_INITS = ("batch", "zeros")
PRESETS = ("auto", "cpu", "paper")

#: sizes for a run that finishes in minutes on a laptop CPU (tiny ViT, 64/32 px, small synthetic catalogue)
CPU_PRESET: dict[str, Any] = dict(
    arch="vit_tiny_patch16_224", patch_size=8, depth=4, embed_dim=96, num_heads=3, drop_path=0.0,
    global_size=64, low_size=32, local_size=32, n_low=4,
    out_dim=1024, head_hidden=512, head_bottleneck=128, head_bn=True,
    epochs=50, batch_size=32, lr=2e-3, warmup_epochs=5, warmup_teacher_temp_epochs=0,
    momentum_teacher=0.99, teacher_temp=0.04, center_init="batch",
    synth_products=480, synth_size=96, workers=0,
)
#: the SkiLL paper's sizes (ViT-S/8, 224/96 px crops, 2 + 8 views, 65536-d DINO head)
PAPER_PRESET: dict[str, Any] = dict(
    arch="vit_small_patch8_224", patch_size=None, depth=None, embed_dim=None, num_heads=None, drop_path=0.1,
    global_size=224, low_size=96, local_size=None, n_low=8,
    out_dim=65536, head_hidden=2048, head_bottleneck=256, head_bn=False,
    epochs=100, batch_size=64, lr=5e-4, warmup_epochs=10, warmup_teacher_temp_epochs=30,
    momentum_teacher=0.996, teacher_temp=0.07, center_init="zeros",
    synth_products=5000, synth_size=224, workers=8,
)

#: preset keys that reshape the timm architecture; skipped when the user names the architecture
MODEL_SHAPE = ("patch_size", "depth", "embed_dim", "num_heads")


@dataclass
class TrainConfig:
    """Everything a training run depends on (``None`` = filled in by the preset or the method)."""

    # what to train
    task: str | None = None
    method: str = "skill"
    augment: str | None = None          # "skill" | "vanilla"; None: the method's own (skill -> skill, others -> vanilla)
    data: str | None = None             # manifest CSV or folder; None: the built-in synthetic catalogue
    split: str = "train"                # rows of this split when the manifest has a split column; "all" for every row
    skip_missing: bool = False
    out: str | None = None              # run directory; None: runs/<task>-<method>[-N]
    preset: str = "auto"
    device: str = "auto"
    seed: int = 0
    # synthetic catalogue (when no data is given)
    synth_products: int | None = None
    synth_size: int | None = None
    synth_photos: tuple[int, int] = (2, 4)
    # backbone and head
    arch: str | None = None
    patch_size: int | None = None
    depth: int | None = None
    embed_dim: int | None = None
    num_heads: int | None = None
    drop_path: float | None = None
    timm: dict[str, Any] = field(default_factory=dict)   # any other timm.create_model keyword
    out_dim: int | None = None
    head_hidden: int | None = None
    head_bottleneck: int | None = None
    head_layers: int = 3
    norm_last_layer: bool = True
    head_bn: bool | None = None         # BatchNorm in the DINO head's MLP
    # views (the augmentation space; None: the space's default for the chosen augment)
    global_size: int | None = None
    low_size: int | None = None
    n_low: int | None = None
    local_size: int | None = None
    global_scale: tuple[float, float] | None = None
    low_scale: tuple[float, float] | None = None
    use_local: bool | None = None
    use_head: bool | None = None
    same_product_pairs: bool | None = None
    detector: str | None = None
    gray_p: float | None = None
    jitter_p: float | None = None
    blur_p: float | None = None
    space: dict[str, Any] = field(default_factory=dict)  # any other SpaceConfig field
    # optimisation
    epochs: int | None = None
    batch_size: int | None = None       # per process
    lr: float | None = None             # base rate for a global batch of 256 (linear scaling)
    min_lr: float = 1e-6
    warmup_epochs: float | None = None
    weight_decay: float = 0.04
    weight_decay_end: float = 0.4
    clip_grad: float = 3.0              # max global grad norm; 0 disables
    freeze_last_layer: int = 1          # epochs with the DINO head's last layer frozen
    momentum_teacher: float | None = None
    teacher_temp: float | None = None
    warmup_teacher_temp: float = 0.04
    warmup_teacher_temp_epochs: float | None = None
    student_temp: float = 0.1
    center_momentum: float = 0.9
    center_init: str | None = None      # "batch": the first batch's teacher mean; "zeros": DINO's reference
    simclr_temp: float = 0.2
    amp: str = "auto"                   # auto: bf16 (or fp16) on CUDA, off on CPU
    # running
    workers: int | None = None
    worker_views: bool | None = None    # CPU run with workers: the workers make the views; None: auto (yes on CPU)
    ckpt_every: int = 0                 # also checkpoint every N steps (0: only at epoch ends)
    log_every: int = 1                  # metrics.jsonl line every N steps
    tensorboard: bool = False
    stop_at_step: int | None = None     # stop after this global step as if interrupted (schedules unchanged)
    dist_backend: str = "auto"          # auto: nccl on CUDA, gloo on CPU

    # --- construction -------------------------------------------------------------------------------

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> "TrainConfig":
        """A config from a mapping (keys may use ``-`` or ``_``); unknown keys and bad types are one-line errors."""
        return cls().update(values, source)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "TrainConfig":
        return cls.from_dict(read_config_file(path), str(path))

    def update(self, values: dict[str, Any], source: str = "config") -> "TrainConfig":
        """A copy with ``values`` applied (validated and converted to the field types)."""
        hints = get_type_hints(type(self))
        names = self.field_names()
        out = dataclasses.replace(self)
        for raw_key, value in values.items():
            key = str(raw_key).replace("-", "_")
            if key not in names:
                raise ConfigError(f"{source}: unknown setting {raw_key!r}{did_you_mean(key, names)}; "
                                  "see skill-ssl train --help")
            setattr(out, key, _convert(value, hints[key], f"{source}: {key}"))
        return out

    # --- resolution ---------------------------------------------------------------------------------

    def resolve(self, device_type: str = "cpu") -> "TrainConfig":
        """Fill preset- and method-dependent fields and validate everything (one-line ConfigError)."""
        from skill_ssl.methods import METHODS, get_method

        if self.preset not in PRESETS:
            raise ConfigError(f"preset {self.preset!r} is not one of {', '.join(PRESETS)}")
        if self.method not in METHODS:
            get_method(self.method)  # raises the did-you-mean error
        preset = self.preset if self.preset != "auto" else ("paper" if device_type == "cuda" else "cpu")
        values = CPU_PRESET if preset == "cpu" else PAPER_PRESET
        out = dataclasses.replace(self, preset=preset)
        for key, value in values.items():
            if key in MODEL_SHAPE and self.arch is not None:
                continue  # an architecture chosen by name keeps its own shape
            if getattr(out, key) is None:
                setattr(out, key, value)
        if out.augment is None:
            out.augment = get_method(out.method).default_augment
        if out.amp == "auto":
            out.amp = "off" if device_type != "cuda" else "bf16"
        out.validate()
        return out

    def validate(self) -> None:
        if not self.task:
            raise ConfigError("no task given; pass --task NAME (see skill-aug tasks) or set 'task' in the config file")
        if self.augment not in ("skill", "vanilla"):
            raise ConfigError(f"augment {self.augment!r} must be 'skill' or 'vanilla'")
        if self.center_init not in CENTER_INITS:
            raise ConfigError(f"center_init {self.center_init!r} must be one of {', '.join(CENTER_INITS)}")
        if self.amp not in AMP_MODES:
            raise ConfigError(f"amp {self.amp!r} must be one of {', '.join(AMP_MODES)}")
        for name in ("epochs", "batch_size", "global_size", "low_size", "synth_products", "synth_size", "out_dim",
                     "head_hidden", "head_bottleneck", "head_layers", "log_every"):
            v = getattr(self, name)
            if v is not None and v < 1:
                raise ConfigError(f"{name} = {v} must be at least 1")
        for name in ("n_low", "workers", "ckpt_every", "freeze_last_layer", "seed"):
            v = getattr(self, name)
            if v is not None and v < 0:
                raise ConfigError(f"{name} = {v} must not be negative")
        for name in ("lr", "teacher_temp", "warmup_teacher_temp", "student_temp", "simclr_temp"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ConfigError(f"{name} = {v} must be positive")
        for name in ("momentum_teacher", "center_momentum"):
            v = getattr(self, name)
            if v is not None and not 0 <= v <= 1:
                raise ConfigError(f"{name} = {v} must lie in [0, 1]")
        if self.min_lr < 0 or self.weight_decay < 0 or self.weight_decay_end < 0 or self.clip_grad < 0:
            raise ConfigError("min_lr, weight_decay, weight_decay_end and clip_grad must not be negative")
        lo, hi = self.synth_photos
        if not 1 <= lo <= hi:
            raise ConfigError(f"synth_photos {self.synth_photos} must be 'lo-hi' with 1 <= lo <= hi")
        if self.stop_at_step is not None and self.stop_at_step < 1:
            raise ConfigError(f"stop_at_step = {self.stop_at_step} must be at least 1")
        if self.batch_size is not None and self.batch_size < 2 and self.method in ("byol", "simclr"):
            raise ConfigError(f"batch_size = {self.batch_size}: {self.method} needs at least 2 per process")

    def timm_overrides(self) -> dict[str, Any]:
        """Keyword arguments for :func:`skill_ssl.models.build_backbone` (besides arch and image size)."""
        out = {k: getattr(self, k) for k in ("patch_size", "depth", "embed_dim", "num_heads") if getattr(self, k)}
        out.update(self.timm)
        return out

    # --- saving -------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    def save(self, path: str | os.PathLike) -> Path:
        import yaml

        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))
        os.replace(tmp, path)
        return path


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """A YAML (``.yaml``/``.yml``) or TOML (``.toml``) mapping; anything else is a one-line ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such config file; check the path")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise ConfigError(f"{p}: config files must end in .yaml, .yml or .toml")
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - yaml/toml parse errors
        raise ConfigError(f"{p}: cannot parse ({' '.join(str(exc).split())[:160]}); fix the syntax") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: must hold a mapping of settings (key: value), not {type(data).__name__}")
    if isinstance(data.get("train"), dict) and len(data) == 1:  # allow a [train] table / train: section
        data = data["train"]
    return data


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _convert(value: Any, hint: Any, where: str) -> Any:
    """``value`` converted to the annotated type ``hint`` (handles Optional, tuples, numbers, bools)."""
    args = get_args(hint)
    if type(None) in args:
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "")):
            return None
        hint = next(a for a in args if a is not type(None))
        args = get_args(hint)
    origin = get_origin(hint) or hint
    try:
        if origin is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.lower() in ("1", "true", "yes", "on")
            raise ValueError
        if origin is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if origin is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if origin is str:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ValueError
            return str(value)
        if origin is tuple:
            if isinstance(value, str):
                value = value.replace("-", " ").replace(",", " ").split() if args[0] is int else value.replace(",", " ").split()
            if not isinstance(value, (list, tuple)) or len(value) != len(args):
                raise ValueError
            return tuple(_convert(v, a, where) for v, a in zip(value, args))
        if origin is dict:
            if not isinstance(value, dict):
                raise ValueError
            return dict(value)
    except (TypeError, ValueError):
        pass
    else:
        return value
    raise ConfigError(f"{where}: {value!r} is not a valid {_type_name(hint)}")


def _type_name(hint: Any) -> str:
    origin = get_origin(hint) or hint
    if origin is tuple:
        return "pair like '" + ("2-4" if get_args(hint)[0] is int else "0.4,1.0") + "'"
    return getattr(origin, "__name__", str(origin))
