"""The ``skill-aug`` command: the augmentation toolkit (tasks, preview, synthetic catalogue)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from skill_aug.console import run_app

app = typer.Typer(
    name="skill-aug",
    help="SkiLL augmentation toolkit: list product-type tasks and preview what their augmentation space does.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    """SkiLL augmentation toolkit."""
    if version:
        from skill_aug import __version__

        typer.echo(f"skill-aug {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


@app.command("tasks")
def tasks_command() -> None:
    """List the registered tasks: name, plugin, distribution and local regions."""
    from skill_aug.plugins import get_registry
    from skill_aug.tasks import list_tasks

    table = Table(title="skill-aug tasks")
    for col in ("task", "plugin", "distribution", "local regions", "head", "description"):
        table.add_column(col)
    for info in list_tasks():
        s = info.spec
        table.add_row(s.name, info.plugin, info.distribution or "-", ", ".join(s.regions),
                      "yes" if s.use_head else "no", s.description)
    Console().print(table)
    failures = get_registry().failures
    if failures:
        typer.echo(f"{len(failures)} plugin problem(s) reported above; the tasks listed still work.", err=True)


@app.command("preview")
def preview_command(
    images: Optional[list[Path]] = typer.Argument(None, help="Photos to augment; none: a bundled sample photo."),
    task: str = typer.Option("women_dress", "--task", "-t", help="Task (product type) whose space to preview."),
    out: Path = typer.Option(Path("preview.png"), "--out", "-o", help="PNG file to write."),
    seed: int = typer.Option(3, "--seed", help="Seed of the random draws."),
    n_low: int = typer.Option(8, "--n-low", help="Number of low-resolution crops G_l (c)."),
    detector: str = typer.Option("lbp", "--detector", help="Head detector backend."),
    no_head: bool = typer.Option(False, "--no-head", help="Place regions from the silhouette only (no head detection)."),
) -> None:
    """Write a PNG grid: each photo with its head and region boxes, its G_h, G_l and local views."""
    from skill_aug.tasks import get_task

    get_task(task)  # an unknown task fails fast, before torch is imported
    from skill_aug.preview import render_preview

    result = render_preview(images or None, task=task, out=out, seed=seed, n_low=n_low, detector=detector,
                            use_head=not no_head)
    typer.echo(result.summary())


from skill_aug.synth.cli import synth_command  # noqa: E402

app.command("synth")(synth_command)


def main() -> None:
    run_app(app, "skill-aug")


if __name__ == "__main__":
    main()
