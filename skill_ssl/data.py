"""Training data: the product source, the augmentation space, and a resumable, sharded batch order.

* :func:`load_source` - products from a manifest CSV or folder (photos grouped by ``product_id``), or the
  built-in synthetic catalogue when no data is given.
* :func:`space_config` - the :class:`~skill_aug.space.SpaceConfig` a run uses (SkiLL's or vanilla DINO's).
* :class:`EpochBatchSampler` - a seeded permutation per epoch, split into global batches, each global
  batch sharded across processes; it can start at any batch of the epoch, which is what makes
  ``--resume`` continue the same data order.
* :func:`make_loader` - the DataLoader: CPU workers decode and locate regions
  (:class:`skill_aug.dataset.ProductDataset`); the device augments the batch afterwards, or, on a CPU
  run with workers, each worker augments its own batches (:class:`WorkerAugment`, a step-seeded
  :class:`skill_aug.dataset.AugmentCollate`, over a :class:`StepTagged` dataset).
* :func:`step_seed` - the seeds of a step's randomness (augmentation, drop-path), so a resumed run
  continues the same streams.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, Sampler

from skill_aug.dataset import AugmentCollate
from skill_aug.errors import ConfigError, ManifestError, did_you_mean


def load_source(cfg: Any) -> tuple[Sequence[Any], list[str], str]:
    """``(source, skipped, description)``: records (or synthetic products) to train on, the problems skipped
    while reading the manifest, and a one-line description for the log."""
    if cfg.data is None:
        from skill_aug.synth import SynthCatalogue

        cat = SynthCatalogue(cfg.task, cfg.synth_products, photos=tuple(cfg.synth_photos), size=cfg.synth_size,
                             seed=cfg.seed)
        source: Sequence[Any] = cat if cfg.split == "all" else cat.subset(cfg.split)
        which = "" if cfg.split == "all" else f" ({cfg.split} split of {len(cat)})"
        return source, [], (f"built-in synthetic catalogue: {len(source)} {cfg.task} products{which}, "
                            f"{cfg.synth_photos[0]}-{cfg.synth_photos[1]} photos each at {cfg.synth_size} px")
    from skill_aug.io import group_products, load_records

    records, skipped = load_records(cfg.data, skip_missing=cfg.skip_missing)
    splits = sorted({r.split for r in records if r.split})
    if cfg.split != "all" and splits:
        records = [r for r in records if r.split == cfg.split]
        if not records:
            raise ManifestError(f"{cfg.data}: no rows with split {cfg.split!r}{did_you_mean(cfg.split, splits)} "
                                f"(splits: {', '.join(splits)}); pass --split NAME or --split all")
    n_products = len(group_products(records))
    which = f", split {cfg.split!r}" if cfg.split != "all" and splits else ""
    return records, skipped, f"{cfg.data}: {len(records)} images of {n_products} products{which}"


class CachedSequence(Sequence):
    """Memoises a deterministic, expensive sequence (the synthetic catalogue renders each product once).

    Meant for in-process loading (``workers=0``); worker processes would each keep their own copy.
    """

    def __init__(self, items: Sequence[Any]):
        self.items = items
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        if index not in self._cache:
            self._cache[index] = self.items[index]
        return self._cache[index]


SPACE_FIELDS = ("global_size", "low_size", "n_low", "local_size", "global_scale", "low_scale", "use_local",
                "use_head", "same_product_pairs", "detector", "gray_p", "jitter_p", "blur_p")


def space_config(cfg: Any, multicrop: bool = True):
    """The augmentation settings of a run: SkiLL's space (``augment: skill``) or vanilla DINO's, with the
    config's explicit values on top. Methods without multi-crop get only the two global views."""
    from skill_aug.space import SpaceConfig

    known = [f.name for f in dataclasses.fields(SpaceConfig)]
    for key in cfg.space:
        if key not in known:
            raise ConfigError(f"space: unknown augmentation setting {key!r}{did_you_mean(key, known)}")
    kw = {k: getattr(cfg, k) for k in SPACE_FIELDS if getattr(cfg, k) is not None}
    kw.update(cfg.space)
    if not multicrop:
        kw.update(n_low=0, use_local=False)
    return SpaceConfig(**kw) if cfg.augment == "skill" else SpaceConfig.dino(**kw)


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The order of the ``n`` products in ``epoch`` (the same on every process)."""
    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch))
    return torch.randperm(n, generator=g)


def steps_per_epoch(n: int, batch_size: int, world_size: int = 1) -> int:
    """Full global batches per epoch (the last incomplete one is dropped)."""
    return n // (batch_size * world_size)


def step_seed(*parts: int) -> int:
    """A 63-bit seed mixing ``parts`` (stable across processes and runs), e.g. ``(seed, step, rank, 1)``."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (int(p) + 0x632BE59BD9B4E019 + (h << 6) + (h >> 2))) & 0x7FFFFFFFFFFFFFFF
    return h


class EpochBatchSampler(Sampler[list[int]]):
    """This process's share of each global batch of one epoch, from batch ``start`` on.

    Global batch ``k`` is ``perm[k*B*W : (k+1)*B*W]`` and process ``r`` takes the ``r``-th slice of ``B``.
    With ``first_step`` (the training step of batch 0 of this epoch) each index comes as ``(step, index)``,
    for a :class:`StepTagged` dataset whose batches are augmented in the workers.
    """

    def __init__(self, perm: torch.Tensor, batch_size: int, rank: int = 0, world_size: int = 1, start: int = 0,
                 first_step: int | None = None):
        self.perm = perm.tolist()
        self.batch_size, self.rank, self.world_size, self.start = batch_size, rank, world_size, start
        self.first_step = first_step
        self.steps = steps_per_epoch(len(self.perm), batch_size, world_size)

    def __iter__(self) -> Iterator[list]:
        gb = self.batch_size * self.world_size
        for k in range(self.start, self.steps):
            lo = k * gb + self.rank * self.batch_size
            batch = self.perm[lo:lo + self.batch_size]
            yield batch if self.first_step is None else [(self.first_step + k, i) for i in batch]

    def __len__(self) -> int:
        return max(self.steps - self.start, 0)


class StepTagged(torch.utils.data.Dataset):
    """``dataset[(step, i)]`` is ``(step, dataset[i])``: tells the collate in a worker its batch's training step."""

    def __init__(self, dataset: Any):
        self.dataset = dataset
        self.space = getattr(dataset, "space", None)  # worker_init_fn re-seeds the task's CPU transforms

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: tuple[int, int]) -> tuple[int, Any]:
        step, i = key
        return step, self.dataset[i]


class WorkerAugment(AugmentCollate):
    """``collate_fn`` of a CPU run with workers: each worker augments its batches itself (one thread),
    with the generator of the batch's training step, the very seed the main process would use, so a run
    makes the same views (to float rounding) whether they are made in the workers or in the main process,
    and a resumed run continues the same stream. Batches are :class:`skill_aug.dataset.AugmentedBatch`
    with ``step`` set; items come from a :class:`StepTagged` dataset."""

    def __init__(self, space: Any, seed: int, rank: int):
        super().__init__(space)
        self.seed, self.rank = int(seed), int(rank)

    def unpack(self, items: Sequence[tuple[int, Any]]) -> tuple[list, torch.Generator, int]:
        if torch.utils.data.get_worker_info() is not None:
            torch.set_num_threads(self.threads)  # the workers share the cores; one thread each does not stall
        step = int(items[0][0])
        return [item for _, item in items], torch.Generator().manual_seed(step_seed(self.seed, step, self.rank, 1)), step


def make_loader(dataset: Any, sampler: EpochBatchSampler, workers: int, seed: int, epoch: int,
                pin_memory: bool = False, collate: Any = None) -> DataLoader:
    """A DataLoader yielding :class:`skill_aug.dataset.Batch` objects, or what ``collate`` makes (workers seeded
    from the run seed)."""
    from skill_aug.dataset import collate_products, worker_init_fn

    kwargs: dict[str, Any] = {}
    if workers > 0:
        kwargs.update(worker_init_fn=worker_init_fn, prefetch_factor=4)
    return DataLoader(dataset, batch_sampler=sampler, num_workers=workers, collate_fn=collate or collate_products,
                      pin_memory=pin_memory, generator=torch.Generator().manual_seed(int(seed) * 7919 + int(epoch)),
                      **kwargs)
