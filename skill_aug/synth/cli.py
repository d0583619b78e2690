"""``skill-aug synth``: write a synthetic product catalogue (images + manifest) to disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def synth_command(
    task: Annotated[str, typer.Option("--task", "-t", help="Task to draw products for (women_dress, shirt, "
                                      "furniture, or one a plugin registers a generator for).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write images/, manifest.csv and synth.json to.")],
    products: Annotated[int, typer.Option("--products", "-n", help="Number of products.")] = 1000,
    size: Annotated[int, typer.Option("--size", help="Side of the square photos in pixels.")] = 128,
    photos: Annotated[str, typer.Option("--photos", help="Photos per product: a number or a range like 3-5.")] = "3-5",
    seed: Annotated[int, typer.Option("--seed", help="Seed; the same seed gives the same catalogue.")] = 0,
    workers: Annotated[int, typer.Option("--workers", "-j", help="Processes rendering in parallel.")] = 1,
    person_p: Annotated[float, typer.Option("--person-p", help="Share of apparel photos worn by a person "
                                            "(the rest are flat-lays).")] = 0.75,
    image_format: Annotated[str, typer.Option("--format", help="Image format: jpg or png.")] = "jpg",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a catalogue already in --out.")] = False,
    sheet: Annotated[Optional[Path], typer.Option("--sheet", help="Also write a preview grid (PNG) of a few "
                                                  "varied products to this file.")] = None,
    sheet_rows: Annotated[int, typer.Option("--sheet-rows", help="Products (rows) in the preview grid.")] = 6,
) -> None:
    """Draw a synthetic catalogue with known design and colour factors: images plus manifest.csv."""
    from collections import Counter

    from skill_aug.synth.catalogue import SynthCatalogue
    from skill_aug.synth.write import contact_sheet, varied_products, write_catalogue

    catalogue = SynthCatalogue(task, products, photos=photos, size=size, seed=seed, person_p=person_p)
    manifest = write_catalogue(catalogue, out, workers=workers, image_format=image_format, overwrite=overwrite)
    with manifest.open(encoding="utf-8") as fh:
        n_images = sum(1 for _ in fh) - 1
    splits = Counter(catalogue.split(i) for i in range(len(catalogue)))
    typer.echo(f"wrote {n_images} images of {len(catalogue)} {task} products to {manifest} "
               f"(train {splits['train']}, validation {splits['validation']}, test {splits['test']} products)")
    typer.echo(f"design factors: {', '.join(catalogue.design_factors)}; "
               f"nuisance factors: {', '.join(catalogue.nuisance_factors)}")
    if sheet is not None:
        sheet.parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(catalogue, varied_products(catalogue, rows=sheet_rows)).save(sheet, optimize=True)
        typer.echo(f"preview grid: {sheet}")
