"""Products as a torch ``Dataset``: CPU workers decode and prepare, the device augments.

Intended use::

    from torch.utils.data import DataLoader
    from skill_aug.dataset import ProductDataset, collate_products, worker_init_fn
    from skill_aug.io import load_records

    space = AugmentationSpace.from_task("women_dress", device="cuda", seed=0)
    records, _ = load_records("data/manifest.csv")
    loader = DataLoader(ProductDataset(records, space), batch_size=64, shuffle=True, num_workers=2,
                        collate_fn=collate_products, worker_init_fn=worker_init_fn)
    for batch in loader:
        views = space(batch.products)      # batched, on the device
        batch.skipped                      # one line per unreadable image left out of this batch

Workers decode the photos (:func:`skill_aug.io.read_image`), group them into products, find the task
regions (head detection, cached per image path) and run the task's albumentations transforms; the
batched random crops, colour and blur then run once per batch on the device.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from skill_aug.errors import ImageError
from skill_aug.io import DEFAULT_MAX_SIDE, Record, group_products, read_image
from skill_aug.product import Product

__all__ = ["AugmentCollate", "AugmentedBatch", "Batch", "ProductDataset", "Skipped", "collate_products",
           "warm_detection_cache", "worker_init_fn"]


@dataclass
class Skipped:
    """The marker a :class:`ProductDataset` returns for a product none of whose photos could be read."""

    product_id: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class Batch:
    """A collated batch: the products (sizes differ, so not stacked) and what was skipped."""

    products: list[Product]
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.products)

    def pin_memory(self) -> "Batch":
        """Pin every photo (the DataLoader calls this with ``pin_memory=True``) for fast, async uploads."""
        import dataclasses

        return Batch([dataclasses.replace(p, photos=[ph.pin_memory() for ph in p.photos]) for p in self.products],
                     self.skipped)


class ProductDataset(torch.utils.data.Dataset):
    """Products from image records (grouped by ``product_id``) or from any sequence of :class:`Product`.

    Args:
        source: a list of :class:`skill_aug.io.Record` (from ``load_records``), or a sequence whose items
            are Products (e.g. the synthetic catalogue).
        space: the :class:`~skill_aug.space.AugmentationSpace` whose ``prepare`` runs on each product
            (``None``: return the products unprepared).
        max_side: photos are downscaled on decode so that their longer side is at most this.

    ``dataset[i]`` is a prepared Product; an unreadable photo is left out (and listed in
    ``product.skipped``); a product with no readable photo gives a :class:`Skipped` marker, which
    :func:`collate_products` drops and reports.
    """

    def __init__(self, source: Sequence[Any], space: Any = None, max_side: int | None = 512):
        self.space = space
        self.max_side = max_side if max_side is not None else DEFAULT_MAX_SIDE
        if isinstance(source, (list, tuple)) and source and isinstance(source[0], Record):
            self._groups: list[tuple[str, list[Record]]] | None = list(group_products(list(source)).items())
            self._products = None
        else:
            self._groups = None
            # a lazy sequence (e.g. the synthetic catalogue) is indexed, never materialised
            lazy = hasattr(source, "__getitem__") and hasattr(source, "__len__")
            self._products = source if lazy else list(source)

    def __len__(self) -> int:
        return len(self._groups) if self._groups is not None else len(self._products)

    def load(self, index: int) -> Product | Skipped:
        """Decode product ``index`` without preparing it."""
        if self._groups is None:
            item = self._products[index]
            if isinstance(item, (Product, Skipped)):
                return item
            return Product(photos=list(item) if isinstance(item, (list, tuple)) else [item])
        pid, records = self._groups[index]
        photos, boxes, paths, skipped = [], [], [], []
        for rec in records:
            try:
                photos.append(torch.from_numpy(read_image(rec.image, self.max_side)).permute(2, 0, 1).contiguous())
            except ImageError as exc:
                skipped.append(str(exc))
                continue
            boxes.append(dict(rec.boxes))
            paths.append(str(rec.image))
        if not photos:
            return Skipped(pid, skipped)
        labels = dict(records[0].labels)
        return Product(photos=photos, boxes=boxes, product_id=pid, labels=labels, paths=paths, skipped=skipped)

    def __getitem__(self, index: int) -> Product | Skipped:
        item = self.load(index)
        if isinstance(item, Skipped) or self.space is None:
            return item
        return self.space.prepare(item)


def collate_products(items: Sequence[Product | Skipped]) -> Batch:
    """Collate dataset items into a :class:`Batch`, dropping :class:`Skipped` markers and reporting them."""
    products, skipped = [], []
    for item in items:
        if isinstance(item, Skipped):
            skipped.extend(item.reasons or [f"product {item.product_id!r}: no readable photo"])
            continue
        products.append(item)
        skipped.extend(getattr(item, "skipped", []) or [])
    return Batch(products, skipped)


@dataclass
class AugmentedBatch:
    """A batch augmented inside the DataLoader worker (see :class:`AugmentCollate`)."""

    views: Any | None  # skill_aug.space.Views; None when no product of the batch was readable
    product_ids: list[str]
    labels: list[dict[str, str]]
    skipped: list[str] = field(default_factory=list)
    step: int | None = None  # the training step the batch was made for, when the collate knows it

    def __len__(self) -> int:
        return len(self.product_ids)


class AugmentCollate:
    """A ``collate_fn`` that also runs the augmentation space, inside the DataLoader worker.

    For CPU-only machines: each worker decodes, prepares *and* augments whole batches with one intra-op
    thread, so augmentation scales with the workers instead of running in the main process (which then
    only consumes the views, e.g. runs the training step)::

        loader = DataLoader(ProductDataset(records, space), batch_size=32, num_workers=2,
                            collate_fn=AugmentCollate(space), worker_init_fn=worker_init_fn)
        for batch in loader:
            batch.views.global_high        # as space(products) would return them

    Randomness: in a worker the space's generator is re-seeded from the worker's seed (distinct per
    worker and per epoch, derived from the loader's seed), so workers never repeat each other's views;
    with ``num_workers=0`` the space's own generator is used. A subclass may instead seed each batch
    itself by overriding :meth:`unpack` (the trainer seeds each batch with its step). The views'
    ``params`` are dropped unless ``keep_params=True`` (they cost one shared-memory segment per tensor on
    the way to the main process). Keep the space on the CPU: a CUDA space cannot run in forked workers
    (augment in the main process with :func:`collate_products` instead).
    """

    def __init__(self, space: Any, keep_params: bool = False, threads: int = 1):
        if space.device.type != "cpu":
            from skill_aug.errors import ConfigError

            raise ConfigError(f"AugmentCollate runs the space in DataLoader workers, so it needs a CPU space, "
                              f"not {space.device}; with a GPU augment in the main process (collate_products)")
        self.space = space
        self.keep_params = keep_params
        self.threads = threads
        self._seeded_for: int | None = None

    def unpack(self, items: Sequence[Any]) -> tuple[list, torch.Generator | None, int | None]:
        """``(dataset items, generator for this batch or None for the space's own, training step or None)``."""
        if torch.utils.data.get_worker_info() is not None:
            seed = torch.initial_seed()
            if self._seeded_for != seed:  # first batch of this worker (and epoch): its own stream
                self.space.generator.manual_seed(seed % 2**63)
                torch.set_num_threads(self.threads)
                self._seeded_for = seed
        return list(items), None, None

    def __call__(self, items: Sequence[Any]) -> AugmentedBatch:
        items, generator, step = self.unpack(items)
        batch = collate_products(items)
        views = None
        if batch.products:
            views = self.space(batch.products, generator=generator)
            if not self.keep_params:
                views.params = None
        return AugmentedBatch(views, [p.product_id for p in batch.products], [dict(p.labels) for p in batch.products],
                              batch.skipped, step)


def _take_detections(items: Sequence[Any]) -> list:
    from skill_aug.detect import cache

    return cache.take_new()


def warm_detection_cache(dataset: ProductDataset, workers: int, batch_size: int = 32, progress: bool | None = None,
                         desc: str = "locating heads") -> int:
    """Prepare every product once in ``workers`` processes and keep their head detections in this process.

    Detections are cached per process. DataLoader workers that are started again every epoch fork from
    the main process, so without this they detect every head again each epoch (about 60 ms a photo
    with the default LBP detector). After this pass the main process holds every detection, and every
    later worker inherits them. Returns the number of detections gathered.
    """
    from torch.utils.data import DataLoader

    from skill_aug.console import progress as progress_bar
    from skill_aug.detect import cache

    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=_take_detections,
                        worker_init_fn=worker_init_fn if workers else None)
    found = 0
    for entries in progress_bar(loader, desc=desc, unit="batch", disable=None if progress is None else not progress):
        cache.add(entries)
        found += len(entries)
    cache.take_new()  # with workers=0 the detections were made here: nothing to hand on
    return found


def worker_init_fn(worker_id: int) -> None:
    """Give each DataLoader worker its own random streams, derived from the loader's seed.

    PyTorch already seeds torch per worker (``base_seed + worker_id``); this seeds ``random`` and
    NumPy from that seed too, and re-seeds the task's ``cpu_transforms`` when it can be (albumentations'
    ``Compose.set_random_seed``): forked workers would otherwise share the parent's stream and repeat
    each other's random choices.
    """
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
    info = torch.utils.data.get_worker_info()
    dataset = info.dataset if info is not None else None
    space = getattr(dataset, "space", None)
    task = getattr(space, "task", None)
    tf = getattr(task, "cpu_transforms", None)
    if tf is not None and hasattr(tf, "set_random_seed"):
        tf.set_random_seed(seed)
