"""The built-in synthetic product catalogue: products with known design and colour factors.

::

    from skill_aug.synth import SynthCatalogue
    catalogue = SynthCatalogue("women_dress", 2000, photos=(3, 5), size=128, seed=0)
    product = catalogue[7]            # a skill_aug.product.Product, rendered from (seed, 7) alone
    catalogue.labels(7)               # its factors (design and colour) and split, without rendering

Generators for the built-in tasks (registered by the built-in plugins through the
``register_generators`` hook): :func:`dress_generator`, :func:`shirt_generator`,
:func:`furniture_generator`. ``skill-aug synth`` writes a catalogue to disk (:func:`write_catalogue`).
"""

from __future__ import annotations

from skill_aug.synth.apparel import dress_generator, shirt_generator
from skill_aug.synth.base import Generator, SynthPhoto, SynthProduct
from skill_aug.synth.catalogue import CatalogueSubset, SynthCatalogue, get_generator, parse_photos
from skill_aug.synth.furniture import furniture_generator
from skill_aug.synth.write import contact_sheet, write_catalogue

__all__ = [
    "CatalogueSubset", "Generator", "SynthCatalogue", "SynthPhoto", "SynthProduct", "contact_sheet",
    "dress_generator", "furniture_generator", "get_generator", "parse_photos", "shirt_generator",
    "write_catalogue",
]
