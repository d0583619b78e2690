"""The synthetic catalogue: a deterministic, random-access sequence of products for any task.

``SynthCatalogue(task, n_products)[i]`` renders product ``i`` from ``(seed, i)`` alone, so DataLoader
workers can render any index in any order and get the same pixels. The generator for the task comes
from the plugins (the ``register_generators`` hook).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, overload

import numpy as np

from skill_aug.errors import ConfigError, UnknownTaskError
from skill_aug.synth.base import SynthPhoto, SynthProduct

if TYPE_CHECKING:
    from skill_aug.product import Product

SPLITS = ("train", "validation", "test")
_SPLIT_STREAM = 0xFFFFFFFF  # seed-sequence word of the split permutation (indices never reach it)


def get_generator(task: str) -> Callable[..., SynthProduct]:
    """The generator registered for ``task``; a one-line error naming the tasks that have one."""
    from skill_aug.plugins import get_registry

    reg = get_registry()
    if task in reg.generators:
        return reg.generators[task]
    known = sorted(reg.generators)
    if task in reg.tasks:
        raise ConfigError(f"task {task!r} has no synthetic catalogue generator (tasks with one: "
                          f"{', '.join(known) or '(none)'}); pass --data with your own photos, or register a "
                          "generator in the plugin's register_generators hook")
    raise UnknownTaskError(task, known)


def parse_photos(photos: int | str | tuple[int, int] | Sequence[int]) -> tuple[int, int]:
    """``4``, ``"4"``, ``"3-5"`` or ``(3, 5)`` -> ``(lo, hi)`` photos per product (inclusive)."""
    try:
        if isinstance(photos, str):
            parts = photos.replace(" ", "").split("-")
            if len(parts) not in (1, 2):
                raise ValueError
            lo, hi = int(parts[0]), int(parts[-1])
        elif isinstance(photos, (int, np.integer)):
            lo = hi = int(photos)
        else:
            lo, hi = (int(v) for v in photos)
    except (TypeError, ValueError):
        raise ConfigError(f"photos {photos!r} must be a number or a range like 3-5") from None
    if not 1 <= lo <= hi:
        raise ConfigError(f"photos {photos!r} must satisfy 1 <= min <= max (e.g. 3-5)")
    return lo, hi


class SynthCatalogue(Sequence):
    """A synthetic product catalogue for ``task``: ``len()`` products, ``catalogue[i]`` a
    :class:`~skill_aug.product.Product`.

    Args:
        task: a task with a registered generator (built in: ``women_dress``, ``shirt``, ``furniture``).
        n_products: number of products.
        photos: photos per product, a number or an inclusive range ``(lo, hi)``; each product draws its count.
        size: side of the square photos in pixels.
        seed: the catalogue's seed (a non-negative integer); product ``i`` depends only on ``(seed, i)``.
        person_p: probability that an apparel photo shows a person (the rest are flat-lays).
        splits: train / validation / test fractions, assigned by product with a seeded shuffle.
    """

    def __init__(self, task: str, n_products: int, photos: int | str | tuple[int, int] = (3, 5), size: int = 128,
                 seed: int = 0, person_p: float = 0.75, splits: tuple[float, float, float] = (0.8, 0.1, 0.1)):
        if int(n_products) < 1:
            raise ConfigError(f"n_products {n_products} must be at least 1")
        if not 32 <= int(size) <= 2048:
            raise ConfigError(f"size {size} must be between 32 and 2048 pixels")
        if int(seed) < 0:
            raise ConfigError(f"seed {seed} must be a non-negative integer")
        if not 0.0 <= float(person_p) <= 1.0:
            raise ConfigError(f"person_p {person_p} must be between 0 and 1")
        if len(splits) != 3 or min(splits) < 0 or sum(splits) <= 0:
            raise ConfigError(f"splits {splits} must be three non-negative fractions (train, validation, test)")
        self.task = task
        self.n_products = int(n_products)
        self.photos = parse_photos(photos)
        self.size = int(size)
        self.seed = int(seed)
        self.person_p = float(person_p)
        self.generator = get_generator(task)
        self._split = self._assign_splits(np.asarray(splits, dtype=np.float64) / sum(splits))

    def __getstate__(self) -> dict[str, Any]:
        # the generator travels by task name (a plugin's generator may be a lambda, which cannot be
        # pickled); worker processes look it up again in their own plugin registry
        state = dict(self.__dict__)
        state.pop("generator", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.generator = get_generator(self.task)

    def _assign_splits(self, fractions: np.ndarray) -> np.ndarray:
        n = self.n_products
        counts = np.floor(fractions * n + 0.5).astype(int)
        counts[0] = n - counts[1:].sum()
        if counts[0] < 0:  # tiny catalogues: validation and test first get what rounding gave them
            counts = np.array([0, min(counts[1], n), n - min(counts[1], n)])
        codes = np.repeat(np.arange(3, dtype=np.int8), counts)
        return np.random.default_rng([self.seed, _SPLIT_STREAM]).permutation(codes)

    # --- the Sequence ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n_products

    @overload
    def __getitem__(self, index: int) -> "Product": ...

    @overload
    def __getitem__(self, index: slice) -> list["Product"]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        from skill_aug.product import Product  # torch only when products are built

        i = self._index(index)
        product, photos = self.render(i)
        return Product(
            photos=[p.image for p in photos],
            boxes=[dict(p.boxes) for p in photos],
            product_id=self.product_id(i),
            labels={**product.labels, "split": self.split(i)},
        )

    def _index(self, index: int) -> int:
        i = int(index)
        if i < 0:
            i += self.n_products
        if not 0 <= i < self.n_products:
            raise IndexError(f"product index {index} out of range for a catalogue of {self.n_products}")
        return i

    # --- per product, without rendering --------------------------------------------------------------
    def product(self, index: int) -> SynthProduct:
        """Product ``index``'s factors (cheap: nothing is drawn)."""
        i = self._index(index)
        rng = np.random.default_rng([self.seed, i, 1])
        return self.generator(rng, self.size, person_p=self.person_p)

    def photo_count(self, index: int) -> int:
        lo, hi = self.photos
        return int(np.random.default_rng([self.seed, self._index(index), 0]).integers(lo, hi + 1))

    def product_id(self, index: int) -> str:
        return f"{self.task}-{self._index(index):06d}"

    def split(self, index: int) -> str:
        return SPLITS[int(self._split[self._index(index)])]

    def labels(self, index: int) -> dict[str, str]:
        """Every factor of product ``index`` plus its ``split`` (cheap: nothing is drawn)."""
        return {**self.product(index).labels, "split": self.split(index)}

    def indices(self, split: str) -> list[int]:
        """The indices of the products in ``split`` (``train``, ``validation`` or ``test``)."""
        if split not in SPLITS:
            raise ConfigError(f"split {split!r} is not one of {', '.join(SPLITS)}")
        return np.flatnonzero(self._split == SPLITS.index(split)).tolist()

    def subset(self, split: str) -> "CatalogueSubset":
        """The products of one split, as a Sequence of Products."""
        return CatalogueSubset(self, self.indices(split))

    @property
    def design_factors(self) -> tuple[str, ...]:
        return tuple(self.product(0).design)

    @property
    def nuisance_factors(self) -> tuple[str, ...]:
        return tuple(self.product(0).nuisance)

    # --- rendering ------------------------------------------------------------------------------------
    def render(self, index: int) -> tuple[SynthProduct, list[SynthPhoto]]:
        """Product ``index`` and all its photos, with masks, true boxes and per-photo nuisance draws."""
        i = self._index(index)
        product = self.product(i)
        photos = [product.render(np.random.default_rng([self.seed, i, 2, k]), k) for k in range(self.photo_count(i))]
        return product, photos

    def describe(self) -> dict[str, Any]:
        """The settings and factor names (written next to a manifest as ``synth.json``)."""
        return {
            "task": self.task, "products": self.n_products, "photos": list(self.photos), "size": self.size,
            "seed": self.seed, "person_p": self.person_p,
            "design_factors": list(self.design_factors), "nuisance_factors": list(self.nuisance_factors),
        }

    def __repr__(self) -> str:
        lo, hi = self.photos
        return (f"SynthCatalogue(task={self.task!r}, n_products={self.n_products}, photos=({lo}, {hi}), "
                f"size={self.size}, seed={self.seed}, person_p={self.person_p})")


class CatalogueSubset(Sequence):
    """Some products of a catalogue (e.g. one split), still a Sequence of Products."""

    def __init__(self, catalogue: SynthCatalogue, indices: list[int]):
        self.catalogue, self.indices = catalogue, list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.catalogue[self.indices[index]]
