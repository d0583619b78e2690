"""Models: the timm ViT backbone, the DINO projection head, the multi-crop wrapper and the embedding model.

* :func:`build_backbone` - any timm ViT by name, randomly initialised by default, with position-embedding
  interpolation (``dynamic_img_size``) so the same network takes 224 px and 96 px crops. Returns ``(B, D)``
  CLS-token features.
* :class:`DINOHead` - MLP, L2-normalised bottleneck, weight-normalised last layer.
* :class:`MultiCrop` - backbone + head over a list of views, one backbone pass per resolution.
* :class:`EmbeddingModel` - what users embed with: preprocessing + backbone, with its metadata;
  :func:`load_backbone` reads one from a run directory, a checkpoint or an exported ``.safetensors`` file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from skill_aug.errors import CheckpointError, ConfigError, did_you_mean

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
META_KEY = "skill_ssl"  # safetensors metadata key holding the model description (JSON)


def build_backbone(arch: str = "vit_small_patch8_224", image_size: int = 224, **timm_overrides: Any) -> nn.Module:
    """A timm ViT returning ``(B, D)`` CLS features; ``pretrained=False`` unless overridden.

    ``timm_overrides`` go to ``timm.create_model`` (e.g. ``patch_size=8, depth=4, embed_dim=64,
    num_heads=2, drop_path_rate=0.1``).
    """
    import timm

    if not timm.is_model(arch):
        known = timm.list_models("vit*")
        raise ConfigError(f"unknown timm architecture {arch!r}{did_you_mean(arch, known)}; "
                          "pick a ViT from timm.list_models('vit*'), e.g. vit_small_patch8_224")
    kwargs = {"pretrained": False, **timm_overrides}
    try:
        model = timm.create_model(arch, num_classes=0, dynamic_img_size=True, img_size=int(image_size), **kwargs)
    except TypeError as exc:
        raise ConfigError(f"timm architecture {arch!r} does not accept {sorted(kwargs)} / dynamic_img_size "
                          f"({' '.join(str(exc).split())}); use a ViT (vit_*)") from None
    except RuntimeError as exc:  # e.g. pretrained weights that cannot be downloaded
        raise ConfigError(f"cannot build {arch!r}: {' '.join(str(exc).split())[:200]}") from None
    return model


def feature_dim(backbone: nn.Module) -> int:
    """Width of the backbone's output features."""
    return int(getattr(backbone, "num_features", None) or getattr(backbone, "embed_dim"))


class DINOHead(nn.Module):
    """DINO projection head: ``nlayers`` MLP -> L2-normalised bottleneck -> weight-normalised linear.

    The last layer's weight is ``g * v / ||v||`` per output unit; with ``norm_last_layer`` the gain ``g`` is
    fixed to 1 (as in DINO, which stabilises training of small ViTs). ``use_bn`` puts BatchNorm after each hidden
    layer, always normalising with the statistics of the batch (no running averages: the head is only used
    in training, and teacher and student stay free of per-process buffers); it keeps the head's output from
    becoming the same for every image, which is how small runs collapse.
    """

    def __init__(self, in_dim: int, out_dim: int = 65536, hidden_dim: int = 2048, bottleneck_dim: int = 256,
                 nlayers: int = 3, use_bn: bool = False, norm_last_layer: bool = True):
        super().__init__()
        nlayers = max(int(nlayers), 1)
        if nlayers == 1:
            self.mlp: nn.Module = nn.Linear(in_dim, bottleneck_dim)
        else:
            layers: list[nn.Module] = [nn.Linear(in_dim, hidden_dim)]
            for i in range(nlayers - 1):
                if use_bn:
                    layers.append(nn.BatchNorm1d(hidden_dim, track_running_stats=False))
                layers.append(nn.GELU())
                layers.append(nn.Linear(hidden_dim, hidden_dim if i < nlayers - 2 else bottleneck_dim))
            self.mlp = nn.Sequential(*layers)
        self.apply(_init_linear)
        self.last_v = nn.Parameter(torch.empty(out_dim, bottleneck_dim))
        nn.init.trunc_normal_(self.last_v, std=0.02)
        self.last_g = nn.Parameter(torch.ones(out_dim, 1), requires_grad=not norm_last_layer)

    def last_layer_parameters(self) -> list[nn.Parameter]:
        """Parameters frozen during the first epoch(s)."""
        return [self.last_v, self.last_g]

    def forward(self, x: Tensor) -> Tensor:
        x = F.normalize(self.mlp(x), dim=-1, eps=1e-6)
        w = F.normalize(self.last_v, dim=1) * self.last_g
        return F.linear(x, w.to(x.dtype))


class MLPHead(nn.Module):
    """Plain projector/predictor MLP (BYOL, SimCLR): Linear-BN-ReLU blocks, last layer linear."""

    def __init__(self, in_dim: int, out_dim: int = 256, hidden_dim: int = 2048, nlayers: int = 2):
        super().__init__()
        layers: list[nn.Module] = []
        d = in_dim
        for _ in range(max(int(nlayers), 1) - 1):
            layers += [nn.Linear(d, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(inplace=True)]
            d = hidden_dim
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)
        self.apply(_init_linear)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def _init_linear(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


class MultiCrop(nn.Module):
    """Backbone + head over a list of views of the same batch size.

    Views of equal resolution are concatenated and go through the backbone in one pass (one pass per
    resolution); the head runs once on all features. ``forward(views)`` returns ``(V, B, K)`` in view order.
    """

    def __init__(self, backbone: nn.Module, head: nn.Module | None = None):
        super().__init__()
        self.backbone = backbone
        self.head = head if head is not None else nn.Identity()

    def features(self, views: Sequence[Tensor]) -> Tensor:
        """Backbone features ``(V, B, D)`` in view order, one backbone pass per resolution."""
        if not views:
            raise ValueError("MultiCrop needs at least one view")
        b = views[0].shape[0]
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, v in enumerate(views):
            if v.shape[0] != b:
                raise ValueError(f"all views need the same batch size, got {v.shape[0]} and {b}")
            groups.setdefault(tuple(v.shape[1:]), []).append(i)
        out: list[Tensor | None] = [None] * len(views)
        for idx in groups.values():
            feats = self.backbone(torch.cat([views[i] for i in idx]))
            for j, i in enumerate(idx):
                out[i] = feats[j * b:(j + 1) * b]
        return torch.stack(out)  # type: ignore[arg-type]

    def forward(self, views: Sequence[Tensor]) -> Tensor:
        f = self.features(views)
        v, b = f.shape[:2]
        return self.head(f.flatten(0, 1)).unflatten(0, (v, b))


class EmbeddingModel(nn.Module):
    """A backbone with its preprocessing: images in, ``(N, D)`` design embeddings out."""

    def __init__(self, backbone: nn.Module, arch: str, image_size: int, mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD, timm_overrides: dict[str, Any] | None = None):
        super().__init__()
        self.backbone = backbone
        self.arch = arch
        self.image_size = int(image_size)
        self.embed_dim = feature_dim(backbone)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.timm_overrides = dict(timm_overrides or {})
        self.register_buffer("_mean", torch.tensor(self.mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("_std", torch.tensor(self.std).view(1, 3, 1, 1), persistent=False)

    @property
    def device(self) -> torch.device:
        return self._mean.device

    def metadata(self) -> dict[str, Any]:
        """What :func:`load_backbone` needs to rebuild this model (JSON-serialisable)."""
        return {"arch": self.arch, "image_size": self.image_size, "mean": list(self.mean), "std": list(self.std),
                "timm_overrides": self.timm_overrides, "embed_dim": self.embed_dim}

    def forward(self, x: Tensor) -> Tensor:
        """Normalised ``(B, 3, S, S)`` float images -> ``(B, D)`` float features."""
        return self.backbone(x).float()

    def preprocess(self, images: Sequence[Tensor]) -> Tensor:
        """``(3, H, W)`` uint8 images of any size -> ``(B, 3, S, S)``: shorter side resized to ``image_size``,
        centre crop, scaled to [0, 1] and normalised. Runs on the model's device."""
        from skill_aug.product import as_uint8_chw

        s = self.image_size
        out = []
        for img in images:  # sizes differ: one resize per image
            x = as_uint8_chw(img).to(self.device, non_blocking=True).float().unsqueeze(0)
            h, w = x.shape[-2:]
            scale = s / min(h, w)
            nh, nw = max(s, round(h * scale)), max(s, round(w * scale))
            if (nh, nw) != (h, w):
                x = F.interpolate(x, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
            top, left = (nh - s) // 2, (nw - s) // 2
            out.append(x[..., top:top + s, left:left + s])
        if not out:
            return torch.empty(0, 3, s, s, device=self.device)
        x = torch.cat(out).clamp_(0, 255).div_(255.0)
        return (x - self._mean) / self._std

    @torch.no_grad()
    def embed(self, images: Sequence[Tensor], batch_size: int = 64, progress: bool = False) -> Tensor:
        """Preprocess and embed ``images`` in batches; ``(N, D)`` float tensor on the CPU."""
        from skill_aug.console import progress as bar

        was_training = self.training
        self.eval()
        chunks = []
        starts = range(0, len(images), max(int(batch_size), 1))
        try:
            for i in bar(starts, total=len(starts), desc="embed", unit="batch", disable=None if progress else True):
                chunks.append(self(self.preprocess(images[i:i + batch_size])).cpu())
        finally:
            self.train(was_training)
        return torch.cat(chunks) if chunks else torch.empty(0, self.embed_dim)


def random_backbone(arch: str = "vit_tiny_patch16_224", image_size: int = 64, seed: int = 0,
                    **timm_overrides: Any) -> EmbeddingModel:
    """A randomly initialised :class:`EmbeddingModel` (tests; the "random init" baseline), global RNG untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        backbone = build_backbone(arch, image_size, **timm_overrides)
    return EmbeddingModel(backbone, arch, image_size, timm_overrides=timm_overrides).eval()


# --- loading ---------------------------------------------------------------------------------------

def backbone_state(ckpt: dict[str, Any], which: str | None = None) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """The embedding backbone's weights (no prefix) and model metadata from a loaded trainer checkpoint.

    ``which`` is ``"teacher"`` or ``"student"``; by default the checkpoint's ``embed_from`` (the teacher for
    DINO/SkiLL/BYOL, the only network for SimCLR).
    """
    which = which or ckpt.get("embed_from", "teacher")
    net = ckpt.get(which)
    meta = ckpt.get("model")
    if not isinstance(net, dict) or not isinstance(meta, dict):
        raise CheckpointError(f"checkpoint has no {which!r} network or model description; "
                              "pass a checkpoint written by skill-ssl train")
    prefix = "backbone."
    state = {k[len(prefix):]: v for k, v in net.items() if k.startswith(prefix)}
    if not state:
        raise CheckpointError(f"checkpoint's {which!r} network has no backbone weights")
    return state, meta


def model_from_state(state: dict[str, Tensor], meta: dict[str, Any], source: str | Path = "") -> EmbeddingModel:
    """Rebuild an :class:`EmbeddingModel` from backbone weights and metadata."""
    try:
        arch, size = str(meta["arch"]), int(meta["image_size"])
        overrides = dict(meta.get("timm_overrides") or {})
        mean, std = meta.get("mean") or IMAGENET_MEAN, meta.get("std") or IMAGENET_STD
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{source}: model description is incomplete (needs arch and image_size); "
                              "re-export it with skill-ssl export") from None
    with torch.random.fork_rng(devices=[]):  # the weights are overwritten; keep the caller's RNG stream
        backbone = build_backbone(arch, size, **overrides)
    try:
        backbone.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = " ".join(str(exc).split())[:160]
        raise CheckpointError(f"{source}: weights do not fit {arch} with {overrides or 'default settings'} "
                              f"({first}); the file was written for another model") from None
    return EmbeddingModel(backbone, arch, size, mean, std, overrides).eval()


def load_backbone(path: str | os.PathLike, device: str | torch.device = "cpu") -> EmbeddingModel:
    """Load the embedding model from a run directory (its latest checkpoint's teacher), a checkpoint file,
    or a ``.safetensors`` file written by ``skill-ssl export``."""
    p = Path(path)
    if p.is_file() and p.suffix == ".safetensors":
        model = _load_safetensors(p)
    else:
        from skill_ssl.checkpoint import find_checkpoint, load_checkpoint

        ckpt_path = find_checkpoint(p)
        state, meta = backbone_state(load_checkpoint(ckpt_path))
        model = model_from_state(state, meta, ckpt_path)
    try:
        return model.to(device)
    except (RuntimeError, AssertionError) as exc:
        raise ConfigError(f"cannot use device {str(device)!r} ({' '.join(str(exc).split())[:120]}); "
                          "pick cpu or an available cuda device") from None


def _load_safetensors(p: Path) -> EmbeddingModel:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(p), framework="pt", device="cpu") as fh:
            meta_text = (fh.metadata() or {}).get(META_KEY)
            state = {k: fh.get_tensor(k) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{p}: not a readable safetensors file ({' '.join(str(exc).split())[:160]}); "
                              "re-export it with skill-ssl export") from None
    if not meta_text:
        raise CheckpointError(f"{p}: safetensors file has no '{META_KEY}' metadata; "
                              "export it with skill-ssl export RUN --out FILE.safetensors")
    try:
        meta = json.loads(meta_text)
    except json.JSONDecodeError:
        raise CheckpointError(f"{p}: '{META_KEY}' metadata is not valid JSON; re-export it") from None
    return model_from_state(state, meta, p)


def save_safetensors(model: EmbeddingModel, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s backbone weights and metadata to a ``.safetensors`` file (atomically)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**model.metadata(), **(extra or {})}
    state = {k: v.detach().cpu().contiguous() for k, v in model.backbone.state_dict().items()}
    tmp = path.with_name(f".{path.name}.tmp")
    save_file(state, str(tmp), metadata={META_KEY: json.dumps(meta)})
    os.replace(tmp, path)
    return path
