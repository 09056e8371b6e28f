"""The `certscan` command: parse options, call the library, render. Errors become one sentence.

- `common`: exit codes, shared options, `fail` (one sentence, exit 2), language and configuration.
- `help`: readable placeholders in every command's help.
- `read`: `scan` and `verify`.
- `batch`: `batch`, with its progress display.
- `review`: `review`, in the terminal or as a web page.
- `registry`: the `registry` sub-commands `import`, `stats` and `show`.
- `misc`: `config` and `institution`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated

import typer

from .. import __version__
from . import batch, misc, read, registry, review
from .help import _ReadableGroup

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Read, check and verify Chinese physician practising certificates (医师执业证书).",
    pretty_exceptions_enable=False,
    cls=_ReadableGroup,
)


def _installed_version() -> str:
    """The version of the installed package (its metadata), else the source tree's."""
    try:
        return package_version("certscan")
    except PackageNotFoundError:
        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"certscan {_installed_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    # Only the options every command shares; the commands do the work.
    pass


# The commands in the order `certscan --help` lists them.
app.command()(read.scan)
app.command()(batch.batch)
app.command("config")(misc.show_config)
app.command()(misc.institution)
app.command()(read.verify)
app.command()(review.review)
app.add_typer(registry.registry_app, name="registry")


def main() -> None:
    """Console-script entry point."""
    app()
