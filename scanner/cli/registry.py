"""`certscan registry import|stats|show`: build and inspect the registry verification looks in."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CertscanError
from ..text import Lang
from .common import EXIT_FINDING, EXIT_OK, EXIT_USAGE, LangOption, fail, parse_lang

if TYPE_CHECKING:
    from ..registry.sqlite import SqliteRegistry


registry_app = typer.Typer(
    no_args_is_help=True, help="Build and inspect the registry that `certscan verify` looks doctors up in."
)
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The registry file. Default: $CERTSCAN_REGISTRY, else ~/.local/share/certscan/registry.db.",
    ),
]


def _db(db: Path | None) -> Path:
    from ..registry import default_registry_path

    return db or default_registry_path()


def _existing_db(db: Path | None, lang: Lang = "zh") -> SqliteRegistry:
    from ..registry.sqlite import SqliteRegistry

    try:
        return SqliteRegistry.open_existing(_db(db))
    except CertscanError as exc:
        raise fail(exc.text(lang)) from None


@registry_app.command("import")
def registry_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV rosters or registry exports (canonical keys or Chinese labels as header)."),
    ],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
    lang: LangOption = "zh",
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Give a certificate code the registry holds to the other person a file names under it, "
            "recording who replaced whom and when (without it such rows are rejected).",
        ),
    ] = False,
) -> None:
    """Load rosters or registry exports into the registry, creating it if needed.

    Institutions are put onto their official names; a doctor already in the registry (same
    certificate code, same person) is updated; a row of another person under a code the registry
    holds is rejected unless --replace; rows that cannot be held are reported with their line
    number and the good rows are kept. Exit code 0, 1 when some rows were rejected, 2 when a file
    cannot be read.
    """
    language = parse_lang(lang)
    from ..normalize import InstitutionMatcher, load_user_institutions
    from ..registry.importer import RosterImporter, import_csv
    from ..registry.sqlite import SqliteRegistry

    path = _db(db)
    worst = EXIT_OK
    try:
        store = SqliteRegistry.create(path)
    except CertscanError as exc:
        raise fail(exc.text(language)) from None
    importer = RosterImporter(InstitutionMatcher(extra=load_user_institutions()))
    try:
        for file in files:
            try:
                with _import_progress(file) as show:
                    report = import_csv(file, store, importer, show, replace=replace)
            except CertscanError as exc:
                typer.echo(f"certscan: {exc.text(language)}", err=True)
                worst = EXIT_USAGE
                continue
            if report.rejected:
                worst = max(worst, EXIT_FINDING)
            if as_json:
                typer.echo(json.dumps({"db": str(path), **report.to_json()}, ensure_ascii=False))
            else:
                from ..report.registry import import_summary

                typer.echo(import_summary(report, str(path), language))
    finally:
        store.close()
    raise typer.Exit(worst)


@contextmanager
def _import_progress(file: Path) -> Iterator[Callable[[int, int, int], None] | None]:
    """A progress bar over the file's bytes, with the rows read, on a terminal; nothing in a log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn(f"certscan registry import {file.name}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=None, rows=0)

        def show(rows: int, done: int, size: int) -> None:
            bar.update(task, total=size, completed=done, rows=rows)

        yield show


@registry_app.command("stats")
def registry_stats(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = "zh",
) -> None:
    """How many doctors and sites the registry holds, by category and level."""
    language = parse_lang(lang)
    store = _existing_db(db, language)
    stats = store.stats()
    store.close()
    if as_json:
        typer.echo(json.dumps(stats.to_json(), ensure_ascii=False))
    else:
        from ..report.registry import stats_summary

        typer.echo(stats_summary(stats, language))


@registry_app.command("show")
def registry_show(
    code: Annotated[str, typer.Argument(help="A 15-digit certificate code.")],
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entry as JSON (full ID number included).")
    ] = False,
    lang: LangOption = "zh",
) -> None:
    """Show the registry entry of a certificate code. Exit code 1 when the registry does not hold it."""
    language = parse_lang(lang)
    store = _existing_db(db, language)
    entries = store.by_code(code.strip())
    store.close()
    if not entries:
        typer.echo(
            f"certscan: {code}: " + ("登记中没有此证书编码。" if language == "zh" else "no such code."),
            err=True,
        )
        raise typer.Exit(EXIT_FINDING)
    for entry in entries:
        if as_json:
            typer.echo(json.dumps(entry.to_json(), ensure_ascii=False))
        else:
            from ..report.registry import entry_summary

            typer.echo(entry_summary(entry, language))
