"""The ``skill-aug`` command: the augmentation toolkit (tasks, preview, synthetic catalogue)."""

from __future__ import annotations

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


def main() -> None:
    run_app(app, "skill-aug")


if __name__ == "__main__":
    main()
