"""The SkiLL augmentation space: global views G_h, low-resolution views G_l and task-local views G∘A_i.

::

    space = AugmentationSpace.from_task("women_dress", n_local_crops=6, device="cuda", seed=0)
    views = space(products)          # Products, image tensors (3,H,W) or lists of photos; sizes may differ
    views.global_high                # 2 x (B, 3, 224, 224)   from photos x' and x'' of each product
    views.global_low                 # c x (B, 3, 96, 96)     from x'
    views.local                      # {"neck": (B, 3, 96, 96), ...}  region crops of x', then G
    again = space(products, params=views.params)   # bit-identical replay

One call runs in three stages: :meth:`AugmentationSpace.prepare` (CPU, per product, meant for
DataLoader workers: region boxes and per-sample CPU transforms), :meth:`~AugmentationSpace.sample`
(every random choice as batched tensors on the device, see :mod:`skill_aug.sampling`) and
:meth:`~AugmentationSpace.apply` (crop + resize from the uint8 sources, then batched flip, colour
matrix, blur, solarize and normalisation, see :mod:`skill_aug.ops`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from skill_aug import ops
from skill_aug.ops import device as _device
from skill_aug.errors import ConfigError, PluginError, UnknownDetectorError
from skill_aug.product import Product
from skill_aug.regions import Box, clip_box, foreground_box
from skill_aug.sampling import SpaceParams, ViewParams, color_blur, photo_pair, resized_crop, sub_crop
from skill_aug.tasks import TaskSpec, get_task

__all__ = ["AugmentationSpace", "SpaceConfig", "SpaceParams", "ViewParams", "Views", "to_product"]


def _pair(name: str, value: Any, lo: float, hi: float | None, *, open_lo: bool = True) -> tuple[float, float]:
    """Validate a ``(low, high)`` range; returns it as a tuple of floats."""
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} must be two numbers (low, high)") from None
    bad_lo = a <= lo if open_lo else a < lo
    if bad_lo or b < a or (hi is not None and b > hi) or not (math.isfinite(a) and math.isfinite(b)):
        bound = f"{'<' if open_lo else '<='} low <= high" + (f" <= {hi}" if hi is not None else "")
        raise ConfigError(f"{name}={value!r} must satisfy {lo} {bound}")
    return a, b


def _prob(name: str, value: Any) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} must be a probability between 0 and 1") from None
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"{name}={value!r} must be a probability between 0 and 1")
    return p


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


#: a head-based region box must keep this fraction of its area inside the photo, else it comes from the silhouette
MIN_INSIDE = 0.3


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


@dataclass
class SpaceConfig:
    """Every setting of the augmentation space; the defaults are the SkiLL paper's.

    Sizes are output sides in pixels; scales are area fractions of the source (``global_scale``,
    ``low_scale``) or of the region box (``local_scale``); ``ratio`` is the aspect-ratio range of every
    crop. Probabilities apply per view. ``global_blur_p`` and ``solarize_p`` give one value per global
    view (DINO's asymmetric pair); ``None`` uses ``blur_p`` and no solarization. ``local_size`` and
    ``local_scale`` default to the task's. See ``docs/augmentation.md``.
    """

    global_size: int = 224
    n_global: int = 2
    global_scale: tuple[float, float] = (0.4, 1.0)
    low_size: int = 96
    n_low: int = 8
    low_scale: tuple[float, float] = (0.05, 0.4)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    use_local: bool = True
    local_size: int | None = None
    local_scale: tuple[float, float] | None = None
    use_head: bool = True
    detector: str = "lbp"
    same_product_pairs: bool = True
    flip_p: float = 0.5
    gray_p: float = 0.5
    jitter_p: float = 0.8
    brightness: float = 0.4
    contrast: float = 0.4
    saturation: float = 0.2
    hue: float = 0.1
    blur_p: float = 0.5
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    global_blur_p: tuple[float, ...] | None = None
    solarize_p: tuple[float, ...] | None = None
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def __post_init__(self) -> None:
        self.global_size = _positive_int("global_size", self.global_size, 8)
        self.n_global = _positive_int("n_global", self.n_global, 1)
        self.low_size = _positive_int("low_size", self.low_size, 8)
        self.n_low = _positive_int("n_low", self.n_low, 0)
        if self.local_size is not None:
            self.local_size = _positive_int("local_size", self.local_size, 8)
        self.global_scale = _pair("global_scale", self.global_scale, 0.0, 1.0)
        self.low_scale = _pair("low_scale", self.low_scale, 0.0, 1.0)
        if self.local_scale is not None:
            self.local_scale = _pair("local_scale", self.local_scale, 0.0, 1.0)
        self.ratio = _pair("ratio", self.ratio, 0.0, None)
        self.blur_sigma = _pair("blur_sigma", self.blur_sigma, 0.0, None)
        for name in ("use_local", "use_head", "same_product_pairs"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{name}={getattr(self, name)!r} must be true or false")
        for name in ("flip_p", "gray_p", "jitter_p", "blur_p"):
            setattr(self, name, _prob(name, getattr(self, name)))
        for name, hi in (("brightness", None), ("contrast", None), ("saturation", None), ("hue", 0.5)):
            v = getattr(self, name)
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ConfigError(f"{name}={v!r} must be a number >= 0") from None
            if v < 0 or (hi is not None and v > hi) or not math.isfinite(v):
                raise ConfigError(f"{name}={v!r} must be between 0 and {hi}" if hi else f"{name}={v!r} must be >= 0")
            setattr(self, name, v)
        for name in ("global_blur_p", "solarize_p"):
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, (int, float)) or len(v) != self.n_global:
                raise ConfigError(f"{name}={v!r} must list one probability per global view ({self.n_global})")
            setattr(self, name, tuple(_prob(f"{name}[{i}]", p) for i, p in enumerate(v)))
        for name in ("mean", "std"):
            v = getattr(self, name)
            try:
                t = tuple(float(x) for x in v)
            except (TypeError, ValueError):
                t = ()
            if len(t) != 3 or (name == "std" and min(t) <= 0):
                extra = ", all > 0" if name == "std" else ""
                raise ConfigError(f"{name}={v!r} must be three numbers (R, G, B){extra}")
            setattr(self, name, t)
        if not isinstance(self.detector, str) or not self.detector:
            raise ConfigError(f"detector={self.detector!r} must be a detector name, e.g. 'lbp'")

    @classmethod
    def dino(cls, **overrides: Any) -> "SpaceConfig":
        """Vanilla DINO's multi-crop space: no task regions, both global views from the same photo."""
        base = dict(gray_p=0.2, jitter_p=0.8, blur_p=0.5, global_blur_p=(1.0, 0.1), solarize_p=(0.0, 0.2),
                    use_local=False, same_product_pairs=False)
        base.update(overrides)
        return cls(**base)

    def replace(self, **changes: Any) -> "SpaceConfig":
        return dataclasses.replace(self, **changes)


@dataclass
class Views:
    """The views of one batch (float32, normalised, on the space's device)."""

    global_high: list[torch.Tensor]
    global_low: list[torch.Tensor]
    local: dict[str, torch.Tensor]
    params: SpaceParams | None  # None when dropped on the way from a DataLoader worker (AugmentCollate)
    stats: dict[str, int] = field(default_factory=dict)

    def teacher_views(self) -> list[torch.Tensor]:
        """The views the teacher sees: the global ones."""
        return list(self.global_high)

    def student_views(self) -> list[torch.Tensor]:
        """Every view: global, low-resolution, then the local region views."""
        return [*self.global_high, *self.global_low, *self.local.values()]


def to_product(item: Any) -> Product:
    """A :class:`Product` from a Product, one image (tensor/array) or a list of images of one product."""
    if isinstance(item, Product):
        return item
    if isinstance(item, (torch.Tensor, np.ndarray)):
        return Product(photos=[item])
    if isinstance(item, (list, tuple)):
        if not item:
            raise ConfigError("a product given as a list needs at least one photo")
        return Product(photos=list(item))
    raise ConfigError(f"cannot augment a {type(item).__name__}; pass a Product, an image tensor (3, H, W) "
                      "or a list of image tensors")


def _new_output(shape: Sequence[int], device: torch.device) -> torch.Tensor:
    """An empty float32 batch for the views. In a DataLoader worker (views made by
    :class:`~skill_aug.dataset.AugmentCollate`) it lives in shared memory from the start, as
    ``default_collate`` does for its batches, so handing it to the main process copies nothing."""
    if device.type == "cpu" and torch.utils.data.get_worker_info() is not None:
        numel = math.prod(shape)
        storage = torch.empty(0)._typed_storage()._new_shared(numel, device=device)
        return torch.empty(0).new(storage).resize_(*shape)
    return torch.empty(*shape, device=device)


class AugmentationSpace:
    """The batched SkiLL augmentation space of one task (or no task: global views only).

    Args:
        task: a :class:`TaskSpec`, a registered task name, or ``None`` for no local regions.
        config: the :class:`SpaceConfig` (default: the paper's settings).
        device: where views are computed and sampled (``"cpu"``, ``"cuda"``, ...).
        seed: seeds the space's own generator; ``None`` draws a fresh seed.
    """

    def __init__(self, task: TaskSpec | str | None, config: SpaceConfig | None = None,
                 device: torch.device | str = "cpu", seed: int | None = None):
        self.task: TaskSpec | None = get_task(task) if isinstance(task, str) else task
        if self.task is not None and not isinstance(self.task, TaskSpec):
            raise ConfigError(f"task must be a task name or a TaskSpec, got {type(task).__name__}")
        self.config = config if config is not None else SpaceConfig()
        if not isinstance(self.config, SpaceConfig):
            raise ConfigError(f"config must be a SpaceConfig, got {type(self.config).__name__}")
        self.seed = seed
        self.device = torch.device(device)
        self.generator = self._new_generator()
        cfg, task_ = self.config, self.task
        self.regions: tuple[str, ...] = tuple(task_.regions) if task_ is not None and cfg.use_local else ()
        self.local_size = int(cfg.local_size or (task_.local_size if task_ else 96))
        self.local_scale = tuple(cfg.local_scale or (task_.local_scale if task_ else (0.6, 1.0)))
        self.uses_head = bool(self.regions) and task_.use_head and cfg.use_head
        self._detector = None
        if self.uses_head:
            from skill_aug.detect import list_detectors

            known = list_detectors()
            if cfg.detector not in known:
                raise UnknownDetectorError(cfg.detector, known)

    @classmethod
    def from_task(cls, task: TaskSpec | str | None, n_local_crops: int | None = None,
                  device: torch.device | str = "cpu", seed: int | None = None,
                  **config_overrides: Any) -> "AugmentationSpace":
        """A space for ``task``; ``n_local_crops`` is ``c``, the number of low-resolution crops G_l."""
        if n_local_crops is not None:
            config_overrides["n_low"] = n_local_crops
        unknown = set(config_overrides) - {f.name for f in dataclasses.fields(SpaceConfig)}
        if unknown:
            from skill_aug.errors import did_you_mean

            name = sorted(unknown)[0]
            hint = did_you_mean(name, [f.name for f in dataclasses.fields(SpaceConfig)])
            raise ConfigError(f"unknown augmentation setting {name!r}{hint}")
        return cls(task, SpaceConfig(**config_overrides), device=device, seed=seed)

    # --- device and randomness ---------------------------------------------------------------------

    def _new_generator(self) -> torch.Generator:
        g = torch.Generator(device=self.device)
        if self.seed is None:
            g.seed()
        else:
            g.manual_seed(int(self.seed))
        return g

    def to(self, device: torch.device | str) -> "AugmentationSpace":
        """Move the space to ``device`` (its generator restarts from ``seed`` there)."""
        device = torch.device(device)
        if device != self.device:
            self.device = device
            self.generator = self._new_generator()
        return self

    def manual_seed(self, seed: int) -> "AugmentationSpace":
        """Restart the space's own generator from ``seed``."""
        self.seed = seed
        self.generator = self._new_generator()
        return self

    # --- stage 1: prepare (CPU, per product) -------------------------------------------------------

    @property
    def detector(self):
        if self._detector is None:
            from skill_aug.detect import get_detector

            self._detector = get_detector(self.config.detector)
        return self._detector

    def _head(self, product: Product, i: int, image: np.ndarray) -> Box | None:
        given = product.boxes[i].get("head") if i < len(product.boxes) else None
        if given is not None:
            return tuple(float(v) for v in given)  # type: ignore[return-value]
        from skill_aug.detect import cache

        key = product.paths[i] if i < len(product.paths) else None
        return cache.get_or_detect(self.detector, str(key) if key else None, image)

    def locate(self, product: Product, i: int) -> tuple[dict[str, Box], str, Box | None]:
        """Region boxes of photo ``i``, their source (``given``/``head``/``silhouette``) and the head used."""
        assert self.task is not None
        photo = product.photos[i]
        h, w = int(photo.shape[-2]), int(photo.shape[-1])
        given = product.boxes[i] if i < len(product.boxes) else {}
        head = None
        if given and all(r in given for r in self.regions):
            if self.uses_head and given.get("head") is not None:
                head = tuple(float(v) for v in given["head"])
            return {r: clip_box(given[r], (h, w)) for r in self.regions}, "given", head  # type: ignore[return-value]
        image = photo.permute(1, 2, 0).contiguous().numpy()
        if self.uses_head:
            head = self._head(product, i, image)
        silhouette = foreground_box(image)
        found = self.task.locate(head, silhouette, (h, w))
        missing = [r for r in self.regions if r not in found]
        if missing:
            raise PluginError(f"task {self.task.name!r}: locate() returned no box for region(s) {', '.join(missing)}; "
                              "a locator must return every region of its task")
        boxes = {r: clip_box(found[r], (h, w)) for r in self.regions}
        if head is not None:
            # A head-based region that falls mostly outside the photo (the knee of a half-body shot)
            # is placed from the silhouette instead, rather than cropping a sliver of the border.
            outside = [r for r in self.regions if _area(boxes[r]) < MIN_INSIDE * _area(found[r])]
            if outside:
                fallback = self.task.locate(None, silhouette, (h, w))
                boxes.update({r: clip_box(fallback[r], (h, w)) for r in outside})
        return boxes, ("head" if head is not None else "silhouette"), head

    def prepare(self, product: Product | torch.Tensor | np.ndarray | list) -> Product:
        """Locate the task regions on every photo and run the task's CPU transforms (CPU work, per product).

        Returns a new :class:`Product` with ``regions``, ``region_source`` and ``heads`` filled; the
        input is not modified. An already prepared product is returned as it is. Region source, in order
        of preference: every region given in ``product.boxes`` (``"given"``); a head box given or detected
        (``"head"``, only for tasks that use heads and when ``config.use_head``); the silhouette
        (``"silhouette"``). With no task or ``use_local=False`` nothing is located (source ``"none"``).
        """
        p = to_product(product)
        if p.located:
            if all(r in boxes for boxes in p.regions for r in self.regions):
                return p
            return self._relocate(p)  # prepared for another task: locate this task's regions only
        regions: list[dict[str, Box]] = []
        sources: list[str] = []
        heads: list[Box | None] = []
        photos = list(p.photos)
        for i in range(len(photos)):
            if self.regions:
                boxes, source, head = self.locate(p, i)
            else:
                boxes, source, head = {}, "none", None
            regions.append(boxes)
            sources.append(source)
            heads.append(head)
        tf = self.task.cpu_transforms if self.task is not None else None
        if tf is not None:
            photos = [self._cpu_transform(tf, ph, p) for ph in photos]
        return dataclasses.replace(p, photos=photos, regions=regions, region_source=sources, heads=heads)

    def _relocate(self, p: Product) -> Product:
        found = [self.locate(p, i) for i in range(len(p.photos))]
        return dataclasses.replace(p, regions=[f[0] for f in found], region_source=[f[1] for f in found],
                                   heads=[f[2] for f in found])

    def _cpu_transform(self, tf, photo: torch.Tensor, product: Product) -> torch.Tensor:
        hwc = photo.permute(1, 2, 0).contiguous().numpy()
        try:
            out = tf(image=hwc)["image"]
        except Exception as exc:  # noqa: BLE001 - third-party transform code
            raise PluginError(f"task {self.task.name!r}: cpu_transforms failed on product {product.product_id!r}: "
                              f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None
        out = np.asarray(out)
        if out.shape[:2] != hwc.shape[:2]:
            raise PluginError(f"task {self.task.name!r}: cpu_transforms changed the image size from {hwc.shape[:2]} "
                              f"to {out.shape[:2]}; region boxes would no longer match, keep the size")
        if out.dtype != np.uint8:
            out = np.clip(out * 255.0 if out.dtype.kind == "f" and out.max() <= 1.0 else out, 0, 255).astype(np.uint8)
        return torch.from_numpy(np.ascontiguousarray(out)).permute(2, 0, 1).contiguous()

    def _prepared(self, products: Sequence[Any]) -> list[Product]:
        if isinstance(products, (torch.Tensor, np.ndarray, Product)):
            raise ConfigError("pass a list of products (one entry per product), not a single image or product")
        return [self.prepare(p) for p in products]

    # --- stage 2: sample (device, batched) ---------------------------------------------------------

    def sample(self, products: Sequence[Any], generator: torch.Generator | None = None) -> SpaceParams:
        """Draw every random choice for ``products`` as batched tensors on the device (no pixels touched)."""
        prods = self._prepared(products)
        g = generator if generator is not None else self.generator
        cfg, dev = self.config, self.device
        b = len(prods)
        # photo sizes and region boxes, padded to the largest photo count (host metadata, one copy each)
        n_max = max((len(p.photos) for p in prods), default=1)
        n_reg = max(len(self.regions), 1)
        pad_size, pad_reg = [1.0, 1.0], [[0.0, 0.0, 1.0, 1.0]] * n_reg
        sizes_l, reg_l = [], []
        for p in prods:
            s = [[float(ph.shape[-2]), float(ph.shape[-1])] for ph in p.photos]
            r = [[list(p.regions[j][name]) for name in self.regions] or pad_reg for j in range(len(p.photos))]
            sizes_l.append(s + [pad_size] * (n_max - len(s)))
            reg_l.append(r + [pad_reg] * (n_max - len(r)))
        sizes = torch.tensor(sizes_l, dtype=torch.float32).view(b, n_max, 2).to(dev)
        reg = torch.tensor(reg_l, dtype=torch.float32).view(b, n_max, n_reg, 4).to(dev)
        n_photos = torch.tensor([len(p.photos) for p in prods], dtype=torch.long).to(dev)
        rows = torch.arange(b, device=dev)
        first, second = photo_pair(n_photos, cfg.same_product_pairs, g)

        def photometric(blur_p: float, solarize_p: float) -> dict[str, torch.Tensor]:
            return color_blur(b, jitter_p=cfg.jitter_p, brightness=cfg.brightness, contrast=cfg.contrast,
                              saturation=cfg.saturation, hue=cfg.hue, gray_p=cfg.gray_p, blur_p=blur_p,
                              blur_sigma=cfg.blur_sigma, solarize_p=solarize_p, flip_p=cfg.flip_p,
                              generator=g, device=dev)

        high = []
        for k in range(cfg.n_global):
            photo = first if k % 2 == 0 else second
            box = resized_crop(sizes[rows, photo], cfg.global_scale, cfg.ratio, g)
            blur_p = cfg.global_blur_p[k] if cfg.global_blur_p else cfg.blur_p
            sol_p = cfg.solarize_p[k] if cfg.solarize_p else 0.0
            high.append(ViewParams(photo=photo, box=box, **photometric(blur_p, sol_p)))
        low = []
        for _ in range(cfg.n_low):
            box = resized_crop(sizes[rows, first], cfg.low_scale, cfg.ratio, g)
            low.append(ViewParams(photo=first, box=box, **photometric(cfg.blur_p, 0.0)))
        local = {}
        for k, r in enumerate(self.regions):
            box = sub_crop(reg[rows, first, k], sizes[rows, first], self.local_scale, cfg.ratio, g)
            local[r] = ViewParams(photo=first, box=box, **photometric(cfg.blur_p, 0.0))
        return SpaceParams(high, low, local)

    # --- stage 3: apply (device, batched) ----------------------------------------------------------

    def _check_params(self, params: SpaceParams, b: int) -> None:
        cfg = self.config
        if len(params.global_high) != cfg.n_global or len(params.global_low) != cfg.n_low or \
                tuple(params.local) != self.regions:
            raise ConfigError(f"params hold {len(params.global_high)} global, {len(params.global_low)} low-res and "
                              f"{list(params.local)} local views, but this space makes {cfg.n_global}, {cfg.n_low} "
                              f"and {list(self.regions)}; sample them from this space")
        for vp in params.groups():
            if len(vp) != b:
                raise ConfigError(f"params were sampled for {len(vp)} products, but {b} were given; "
                                  "replay with the same products")

    def apply(self, products: Sequence[Any], params: SpaceParams, normalize: bool = True) -> Views:
        """Render the views of ``products`` from ``params`` (exact replay of the same params and products).

        ``normalize=False`` returns the views in ``[0, 1]`` before normalisation (for display and tests).
        """
        prods = self._prepared(products)
        b = len(prods)
        self._check_params(params, b)
        cfg, dev = self.config, self.device
        params = params.to(dev)
        groups = params.groups()
        if b == 0:
            empty = lambda s: torch.empty(0, 3, s, s, device=dev)  # noqa: E731
            return Views([empty(cfg.global_size) for _ in groups[:cfg.n_global]],
                         [empty(cfg.low_size) for _ in range(cfg.n_low)],
                         {r: empty(self.local_size) for r in self.regions}, params, {"products": 0})
        # the one host sync of the call: crop boxes, photo indices and flip flags (for the per-sample crop
        # loop), blur flags, sigmas and solarize flags (to blur only the selected samples, each with a
        # kernel sized to its own sigma)
        host = torch.cat([torch.cat([torch.stack([vp.photo.float(), vp.blur.float(), vp.sigma.float(),
                                                  vp.solarize.float()], 1), vp.box.float(), vp.flip.float()[:, None]], 1)
                          for vp in groups]).cpu().tolist()
        sources: dict[tuple[int, int], torch.Tensor] = {}
        sizes = ([cfg.global_size] * cfg.n_global + [cfg.low_size] * cfg.n_low + [self.local_size] * len(self.regions))
        outputs: list[torch.Tensor | None] = [None] * len(groups)
        for size in dict.fromkeys(sizes):  # views of one output size are rendered as one batch
            idx = [k for k, s in enumerate(sizes) if s == size]
            rows = [row for k in idx for row in host[k * b:(k + 1) * b]]
            vp = ViewParams.cat([groups[k] for k in idx]) if len(idx) > 1 else groups[idx[0]]
            x = self._render(prods, sources, vp, rows, size, b, normalize)
            for n, k in enumerate(idx):
                outputs[k] = x[n * b:(n + 1) * b]
        high = outputs[:cfg.n_global]
        low = outputs[cfg.n_global:cfg.n_global + cfg.n_low]
        local = dict(zip(self.regions, outputs[cfg.n_global + cfg.n_low:]))
        return Views(high, low, local, params, self._stats(prods, host, b))  # type: ignore[arg-type]

    def _source(self, prods: list[Product], cache: dict[tuple[int, int], torch.Tensor], i: int, j: int) -> torch.Tensor:
        """Photo ``j`` of product ``i`` where the crops are cut, prepared once per call: on the CPU in
        channels-last uint8; elsewhere uploaded and converted to float once (uint8 interpolation is
        CPU-only), only when a view uses it."""
        key = (i, j)
        if key not in cache:
            photo = prods[i].photos[j]
            if _device.cpu_kernels(self.device):
                # channels-last (HWC) memory: PyTorch's uint8 antialiased resize works in that layout,
                # so it skips two layout copies per crop (32 crops to 224 px: 8 ms vs 14 ms, one thread)
                cache[key] = photo.permute(1, 2, 0).contiguous().permute(2, 0, 1)
            else:
                cache[key] = photo.to(self.device, non_blocking=True).float()
        return cache[key]

    def _render(self, prods: list[Product], cache: dict, vp: ViewParams, rows: list[list[float]], size: int,
                b: int, normalize: bool) -> torch.Tensor:
        """The views of one output size as one batch (``rows`` = their host parameters, view by view).

        Crop + resize + flip per sample (uint8 on the CPU); the colour matrix with the clamp and the
        normalisation folded in (chunked, one write of the float result); then the blur of the selected
        samples, each with the kernel of its own sigma, and solarization, both in normalised space (they
        commute with the per-channel normalisation)."""
        cfg = self.config
        srcs = [self._source(prods, cache, i % b, int(r[0])) for i, r in enumerate(rows)]
        x = ops.crop_resize(srcs, [r[4:8] for r in rows], size, flips=[r[8] > 0.5 for r in rows])
        mean = ops.channel_means(x) / 255.0
        m, off = ops.color_affine(mean, jitter=vp.jitter, brightness=vp.brightness, contrast=vp.contrast,
                                  saturation=vp.saturation, hue=vp.hue, gray=vp.gray)
        norm = (cfg.mean, cfg.std) if normalize else (None, None)
        x = ops.apply_color(x, m, off, scale=1 / 255, mean=norm[0], std=norm[1], out=_new_output(x.shape, x.device))
        ks = [ops.kernel_size_for(r[2], size) if r[1] > 0.5 else 0 for r in rows]
        if any(k > 1 for k in ks):
            ops.gaussian_blur(x, vp.sigma, sizes=ks, inplace=True, bounds=ops.clamp_bounds(*norm))
        if any(r[3] > 0.5 for r in rows):
            x = ops.solarize(x, vp.solarize, mean=norm[0], std=norm[1])
        return x

    def _stats(self, prods: list[Product], host: list[list[float]], b: int) -> dict[str, int]:
        stats = {"products": b, "photos": sum(len(p.photos) for p in prods),
                 "single_photo": sum(len(p.photos) == 1 for p in prods)}
        if self.config.n_global > 1:
            stats["distinct_pairs"] = sum(int(host[i][0]) != int(host[b + i][0]) for i in range(b))
        if self.regions:
            counts = {"given": 0, "head": 0, "silhouette": 0}
            for i, p in enumerate(prods):  # the photo the local views were cut from (x')
                src = p.region_source[int(host[i][0])]
                counts[src] = counts.get(src, 0) + 1
            stats.update(counts)
        return stats

    def __call__(self, products: Sequence[Any], params: SpaceParams | None = None,
                 generator: torch.Generator | None = None, normalize: bool = True) -> Views:
        """Augment a batch: ``products`` is a list with one entry per product (see module docstring).

        ``params=None`` samples fresh parameters (from ``generator`` or the space's own seeded one);
        given ``params`` replay them exactly.
        """
        prods = self._prepared(products)
        if params is None:
            params = self.sample(prods, generator)
        return self.apply(prods, params, normalize=normalize)

    def __repr__(self) -> str:
        name = self.task.name if self.task else None
        return f"AugmentationSpace(task={name!r}, regions={list(self.regions)}, device={str(self.device)!r})"
