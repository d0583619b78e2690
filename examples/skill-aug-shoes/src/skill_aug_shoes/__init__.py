"""A skill-aug task plugin for shoes.

Registers the task ``shoes`` with four local regions placed on the shoe's silhouette (shoe photos
have no wearer's head to anchor them):

* ``toe_box`` - the front of the shoe, where toe shape (round, pointed, square) shows;
* ``vamp`` - the upper over the instep: laces, straps, buckles, stitching;
* ``opening`` - the collar around the ankle opening (low-cut, high-top, padded);
* ``heel`` - the back of the shoe: heel counter and heel height.

Two layouts, chosen by the silhouette's shape: a **side view** (box at least 1.3 times wider than
tall) is assumed to point its toe to the left, the catalogue convention; anything else is treated as
seen **from above or the front** (often a pair), toes at the top of the photo. A photo that breaks the
convention swaps toe box and heel, which still crops two design-bearing ends of the shoe.
"""

from __future__ import annotations

from skill_aug import TaskSpec, hookimpl
from skill_aug.regions import Box, sub_box

__version__ = "0.1.0"

REGIONS = ("toe_box", "vamp", "opening", "heel")
SIDE_VIEW_ASPECT = 1.3


def locate(head: Box | None, silhouette: Box, size: tuple[int, int]) -> dict[str, Box]:
    """The shoe's regions from its silhouette box (``head`` is ignored: shoes have none)."""
    x0, y0, x1, y1 = silhouette
    if (x1 - x0) >= SIDE_VIEW_ASPECT * (y1 - y0):  # one shoe from the side, toe left
        return {
            "toe_box": sub_box(silhouette, 0.0, 0.35, 0.35, 1.0),
            "vamp": sub_box(silhouette, 0.2, 0.1, 0.6, 0.75),
            "opening": sub_box(silhouette, 0.5, 0.0, 0.95, 0.45),
            "heel": sub_box(silhouette, 0.7, 0.15, 1.0, 1.0),
        }
    return {  # from above or the front: toes at the top
        "toe_box": sub_box(silhouette, 0.05, 0.0, 0.95, 0.3),
        "vamp": sub_box(silhouette, 0.1, 0.15, 0.9, 0.5),
        "opening": sub_box(silhouette, 0.1, 0.4, 0.9, 0.8),
        "heel": sub_box(silhouette, 0.05, 0.7, 0.95, 1.0),
    }


TASK = TaskSpec(
    name="shoes",
    regions=REGIONS,
    locate=locate,
    description="Shoes: toe box, vamp, opening and heel, from the silhouette (side view toe-left, or from above)",
    use_head=False,
    local_scale=(0.7, 1.0),
)


@hookimpl
def register_tasks(register):
    register(TASK)
