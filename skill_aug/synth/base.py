"""The generator protocol of the synthetic catalogue.

A *generator* is a callable registered for a task through the ``register_generators`` plugin hook::

    generator(rng: numpy.random.Generator, size: int, **options) -> SynthProduct

It draws one product's factors from ``rng`` (and nothing else: same stream, same product). The
returned :class:`SynthProduct` renders any of its photos on demand with ``render(rng, index)``, where
``rng`` draws only that photo's nuisance (pose, position, background, light, blur, noise). Options a
generator does not use are ignored; the built-in ones understand ``person_p`` (probability that an
apparel photo shows a person rather than a flat-lay).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from skill_aug.regions import Box


@dataclass
class SynthPhoto:
    """One rendered photo of a synthetic product.

    Attributes:
        image: ``(size, size, 3)`` uint8 RGB.
        boxes: true boxes in pixels, ``"head"`` (when a person is shown) and the task's region names.
        mask: ``(size, size)`` float32 coverage of the product itself (the garment or the piece).
        nuisance: the photo's own draws (pose angle, scale, shift, background, light, blur, noise, ...).
    """

    image: np.ndarray
    boxes: dict[str, Box]
    mask: np.ndarray
    nuisance: dict[str, Any] = field(default_factory=dict)


class SynthProduct(ABC):
    """One synthetic product: fixed factors, any number of photos.

    Subclasses set :attr:`design` (the factors an embedding should capture, e.g. ``neckline``) and
    :attr:`nuisance` (product-level factors it should ignore, e.g. ``color``), both name -> value
    strings, and implement :meth:`render`.
    """

    #: design factors, e.g. {"silhouette": "a_line", "pattern": "striped"}
    design: dict[str, str]
    #: product-level nuisance factors; must include "color" (the base colour's palette name)
    nuisance: dict[str, str]

    @property
    def labels(self) -> dict[str, str]:
        """Every factor as a label column (design first, then nuisance)."""
        return {**self.design, **self.nuisance}

    @abstractmethod
    def render(self, rng: np.random.Generator, index: int) -> SynthPhoto:
        """Draw photo number ``index``; ``rng`` decides only this photo's nuisance factors."""


#: ``generator(rng, size, **options) -> SynthProduct``
Generator = Callable[..., SynthProduct]
