"""The `certscan` command: parse options, call the library, render. Errors become one sentence."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from . import __version__
from .config import ScanConfig
from .errors import CertscanError
from .report import entry_summary, import_summary, stats_summary, summary, to_json_line, verify_summary

if TYPE_CHECKING:
    from .batch import BatchProgress
    from .registry import Registry
    from .registry.sqlite import SqliteRegistry

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Read, check and verify Chinese physician practising certificates (医师执业证书).",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2

LangOption = Annotated[
    str, typer.Option("--lang", help="Language of the summary for people: zh (default) or en.")
]
DetOption = Annotated[
    Path | None,
    typer.Option("--det-model", help="PP-OCR ONNX detection model to use instead of the bundled one."),
]
RecOption = Annotated[
    Path | None,
    typer.Option("--rec-model", help="PP-OCR ONNX recognition model to use instead of the bundled one."),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--rec-keys", help="Character list for a recognition model that does not embed one."),
]
ThreadsOption = Annotated[int, typer.Option("--threads", min=0, help="ONNX Runtime threads (0: all cores).")]


RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="Registry to verify against: a SQLite file made by `certscan registry import`, or the "
        "http(s):// URL of a registry service. Default: $CERTSCAN_REGISTRY, else "
        "~/.local/share/certscan/registry.db.",
    ),
]
TimeoutOption = Annotated[
    float, typer.Option("--registry-timeout", min=0.1, help="Seconds to wait for an HTTP registry.")
]
RetriesOption = Annotated[
    int, typer.Option("--registry-retries", min=0, help="Retries after a failed HTTP registry request.")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"certscan: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _lang(value: str) -> Literal["zh", "en"]:
    if value not in ("zh", "en"):
        raise _fail(f"unknown language {value!r}; use zh or en.")
    return "zh" if value == "zh" else "en"


def _config(det: Path | None, rec: Path | None, keys: Path | None, threads: int) -> ScanConfig:
    overrides: dict[str, object] = {"threads": threads}
    for name, value in (("det_model", det), ("rec_model", rec), ("rec_keys", keys)):
        if value is not None:
            overrides[name] = value
    try:
        return ScanConfig(**overrides)  # type: ignore[arg-type]
    except CertscanError as exc:
        raise _fail(str(exc)) from None


@app.command()
def scan(
    images: Annotated[
        list[Path],
        typer.Argument(help="Certificate photos, scans or PDFs (JPEG, PNG, BMP, TIFF, WebP, HEIC, PDF)."),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per certificate (JSON Lines).")
    ] = False,
    lang: LangOption = "zh",
    det_model: DetOption = None,
    rec_model: RecOption = None,
    rec_keys: KeysOption = None,
    threads: ThreadsOption = 0,
) -> None:
    """Read certificates and check them: every field, its confidence, and what needs review.

    Each page of a PDF and each frame of a TIFF is a certificate of its own. Exit code 0 when every
    page was read, 2 when a file or page could not be read or options are wrong.
    """
    language = _lang(lang)
    config = _config(det_model, rec_model, rec_keys, threads)
    from .pipeline import Scanner

    try:
        scanner = Scanner(config)
    except CertscanError as exc:
        raise _fail(str(exc)) from None
    unreadable = 0
    for record in scanner.scan_files(images):
        if record.error:
            unreadable += 1
        if as_json:
            typer.echo(to_json_line(record))
        else:
            typer.echo(summary(record, language))
        sys.stdout.flush()
    if unreadable:
        raise typer.Exit(EXIT_USAGE)


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Folders (read recursively), glob patterns and files: images, HEIC, PDFs."),
    ],
    out: Annotated[Path, typer.Option("--out", help="JSON Lines output; rerunning resumes it.")],
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Also write the rows as a CSV for Excel and WPS.")
    ] = None,
    html_path: Annotated[
        Path | None,
        typer.Option("--html", help="Where to write the HTML report (default: beside --out, .html)."),
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option("--roster", help="CSV of file, name, institution as HR has them; flags disagreements."),
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="Verify every certificate against this registry (SQLite file or http(s) URL): rows "
            "get a verdict, differences and advice.",
        ),
    ] = None,
    registry_timeout: TimeoutOption = 5.0,
    registry_retries: RetriesOption = 2,
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="Worker processes (0, the default: one per core).")
    ] = 0,
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="Read on a Dask cluster at this scheduler address instead of locally."),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=1, help="Seconds one file may take before it is stopped.")
    ] = None,
    lang: LangOption = "zh",
    det_model: DetOption = None,
    rec_model: RecOption = None,
    rec_keys: KeysOption = None,
) -> None:
    """Read many files into one row per certificate, in parallel, resumable.

    Each PDF page and TIFF frame is a row. Rerunning the same command skips files already in the
    output (by content, so renamed files are not read again). Prints a summary; writes the HTML
    report of the rows needing attention and, with --csv, a CSV. Exit code 0 when every file was
    read, 2 when some could not be (their rows say why) or options are wrong, 130 when interrupted.
    """
    language = _lang(lang)
    config = _config(det_model, rec_model, rec_keys, 0)
    from .batch import BatchError, BatchSettings, run_batch
    from .batchreport import summarize, write_csv, write_html
    from .registry import HttpSettings

    if roster is not None:
        from .roster import Roster

        try:
            Roster.read(roster)
        except CertscanError as exc:
            raise _fail(str(exc)) from None
    http = HttpSettings(registry_timeout, registry_retries)
    if registry is not None:
        # Opened here once so a wrong path or URL is one sentence before any worker starts.
        _open_registry(registry, registry_timeout, registry_retries).close()
        if not registry.startswith(("http://", "https://")):
            registry = str(Path(registry).absolute())
    thumbs = out.with_name(out.name + ".thumbs")
    settings = BatchSettings(
        config=config,
        thumbs_dir=thumbs.absolute(),
        roster=roster,
        registry=registry,
        http=http,
        lang=language,
    )
    backend = None
    if dask is not None:
        from .distributed import DaskBackend

        try:
            backend = DaskBackend.connect(dask, settings)
        except CertscanError as exc:
            raise _fail(str(exc)) from None
    n = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        with _progress_display() as show:
            run = run_batch(inputs, out, settings, n, backend=backend, progress=show, timeout=timeout)
    except BatchError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("certscan: interrupted; finished rows are kept, rerun the command to resume.", err=True)
        raise typer.Exit(130) from None
    finally:
        if backend is not None:
            backend.close(cancel=False)
    summary = summarize(out)
    html_out = html_path or out.with_suffix(".html")
    write_html(out, html_out, thumbs, summary, language)
    if csv_path is not None:
        write_csv(out, csv_path, language)
    done = "本次读取{read}个文件，跳过已完成的{skipped}个"
    if language == "en":
        done = "{read} files read, {skipped} already done"
    typer.echo(done.format(read=run.read, skipped=run.skipped))
    for line in summary.lines(language):
        typer.echo(line)
    typer.echo(("报告：" if language == "zh" else "Report: ") + str(html_out))
    if summary.failed:
        raise typer.Exit(EXIT_USAGE)


@contextmanager
def _progress_display() -> Iterator[Callable[[BatchProgress], None]]:
    """A progress bar with rate and ETA on a terminal; a quiet line every 30 s in a log."""
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("certscan batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("files", total=None, rate="")

            def show(p: BatchProgress) -> None:
                bar.update(task, total=p.total, completed=p.done, rate=f"{p.rate:.2f} files/s")

            yield show
        return
    last = [0.0]

    def log_line(p: BatchProgress) -> None:
        now = time.monotonic()
        if now - last[0] < 30 and p.done < p.total:
            return
        last[0] = now
        eta = f", about {p.eta / 60:.0f} min left" if p.eta is not None else ""
        typer.echo(
            f"certscan batch: {p.done}/{p.total} files ({p.skipped} already done), {p.rate:.2f} files/s{eta}",
            err=True,
        )

    yield log_line


@app.command("config")
def show_config(
    det_model: DetOption = None,
    rec_model: RecOption = None,
    rec_keys: KeysOption = None,
    threads: ThreadsOption = 0,
) -> None:
    """Print the effective configuration and the OCR models in use, as JSON."""
    config = _config(det_model, rec_model, rec_keys, threads)
    from .ocr import create_engine

    try:
        engine = create_engine(config)
    except CertscanError as exc:
        raise _fail(str(exc)) from None
    out = {"version": __version__, "config": config.describe(), "ocr": engine.describe()}
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@app.command()
def institution(
    texts: Annotated[
        list[str],
        typer.Argument(help="Institution names as read or written; - reads one name per line from stdin."),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per name (JSON Lines).")
    ] = False,
    lang: LangOption = "zh",
    institutions: Annotated[
        list[Path] | None,
        typer.Option(
            "--institutions",
            help="A CSV of your own institutions and aliases (gazetteer columns); may be repeated.",
        ),
    ] = None,
) -> None:
    """Normalize institution names onto the official name, or say it is unsure.

    `match` is null when no known institution is a sure match; the candidates are then listed.
    Your own CSVs in $CERTSCAN_CONFIG_DIR/institutions/ (default ~/.config/certscan/institutions/)
    are read too. Exit code 0, or 2 when options or an institutions file are wrong.
    """
    language = _lang(lang)
    from .normalize import InstitutionMatcher

    try:
        matcher = InstitutionMatcher(extra_files=institutions or [])
    except CertscanError as exc:
        raise _fail(str(exc)) from None
    names = [line.rstrip("\r\n") for line in sys.stdin] if texts == ["-"] else texts
    for name in names:
        result = matcher.match(name)
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            typer.echo(result.summary(language))


def _open_registry(location: str | None, timeout: float = 5.0, retries: int = 2) -> Registry:
    from .registry import HttpSettings, default_registry_path, open_registry

    try:
        return open_registry(location or default_registry_path(), HttpSettings(timeout, retries))
    except CertscanError as exc:
        raise _fail(str(exc)) from None


@app.command()
def verify(
    images: Annotated[
        list[Path] | None,
        typer.Argument(help="Certificate photos or scans to read and verify."),
    ] = None,
    registry: RegistryOption = None,
    records: Annotated[
        list[Path] | None,
        typer.Option(
            "--record",
            help="Verify a reviewed record instead of an image: a JSON or JSON Lines file of "
            "`certscan scan --json` rows, corrected by a person. May be repeated.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per certificate (JSON Lines).")
    ] = False,
    lang: LangOption = "zh",
    det_model: DetOption = None,
    rec_model: RecOption = None,
    rec_keys: KeysOption = None,
    threads: ThreadsOption = 0,
    timeout: TimeoutOption = 5.0,
    retries: RetriesOption = 2,
) -> None:
    """Read certificates, look each doctor up in the registry, compare field by field and advise.

    Verdicts: consistent, mismatch, not_found, invalid, needs_review. Exit code 0 when every
    certificate is consistent, 1 when any other verdict needs attention, 2 when an input cannot be
    read, the registry cannot be used, or options are wrong.
    """
    if not images and not records:
        raise _fail("name certificate images to verify, or reviewed records with --record.")
    language = _lang(lang)
    config = _config(det_model, rec_model, rec_keys, threads)
    store = _open_registry(registry, timeout, retries)
    from .fields import CertificateRecord
    from .normalize import InstitutionMatcher
    from .records import read_records
    from .review.session import ready_for_lookup
    from .verify import Verdict, Verifier

    matcher = InstitutionMatcher()
    verifier = Verifier(store, matcher)

    def reviewed() -> Iterator[CertificateRecord]:
        for path in records or []:
            for record in read_records(path):
                yield ready_for_lookup(record, matcher, config.today)

    def scanned() -> Iterator[CertificateRecord]:
        if images:
            from .pipeline import Scanner

            try:
                scanner = Scanner(config, matcher=matcher)
            except CertscanError as exc:
                raise _fail(str(exc)) from None
            yield from scanner.scan_files(images)

    worst = EXIT_OK
    try:
        for record in chain(reviewed(), scanned()):
            verification = verifier.verify(record)
            if record.error:
                worst = EXIT_USAGE
            elif verification.verdict is not Verdict.CONSISTENT:
                worst = max(worst, EXIT_FINDING)
            if as_json:
                typer.echo(json.dumps(verification.to_json(language), ensure_ascii=False))
            else:
                typer.echo(verify_summary(verification, language))
            sys.stdout.flush()
    except CertscanError as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    raise typer.Exit(worst)


@app.command()
def review(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="A results file (`certscan scan --json`, a batch, an earlier review) or, with --serve, "
            "results files and certificate images to put on the review page."
        ),
    ] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Open the review web page instead.")] = False,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to serve on (default 127.0.0.1; 0.0.0.0 with --lan)."),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to serve on.")] = 8765,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan", help="Serve on the local network (e.g. for a phone) behind a printed access token."
        ),
    ] = False,
    registry: RegistryOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The reviewed JSON Lines file (default: RESULTS.reviewed.jsonl beside the results, or "
            "certscan-reviewed.jsonl); the audit goes beside it as .audit.jsonl.",
        ),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Your name, kept in the audit trail.")
    ] = None,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", min=0.1, help="Largest upload the page accepts, in MB.")
    ] = 20.0,
    lang: LangOption = "zh",
) -> None:
    """Correct what OCR read before the lookup: in the terminal, or on a local web page (--serve).

    In the terminal, steps through the fields marked for review in RESULTS.jsonl: Enter keeps a
    value, a new value corrects it, - clears it. The original results are never overwritten; every
    correction is appended to an audit file. Exit code 0, 1 when stopped before the end, 2 for
    unreadable input or wrong options.
    """
    language = _lang(lang)
    from .review.desk import reviewed_path

    if not serve:
        if not inputs or len(inputs) != 1:
            raise _fail("name one results file to review, or use --serve for the web page.")
        from .review.terminal import review_in_terminal

        results = inputs[0]

        def ask(prompt: str) -> str | None:
            try:
                answer: str = typer.prompt(prompt, default="", show_default=False)
            except typer.Abort:
                return None
            return answer

        try:
            outcome = review_in_terminal(
                results, out or reviewed_path(results), ask, typer.echo, reviewer=reviewer, lang=language
            )
        except CertscanError as exc:
            raise _fail(str(exc)) from None
        raise typer.Exit(EXIT_FINDING if outcome.stopped else EXIT_OK)
    _serve_review(inputs or [], host, port, lan, registry, out, max_upload_mb, language)


def _serve_review(
    inputs: list[Path],
    host: str | None,
    port: int,
    lan: bool,
    registry: str | None,
    out: Path | None,
    max_upload_mb: float,
    lang: Literal["zh", "en"],
) -> None:
    import secrets

    from .review.desk import ReviewDesk, reviewed_path
    from .review.web import WebSettings, create_app, lan_addresses

    address = host or ("0.0.0.0" if lan else "127.0.0.1")
    if not lan and address not in ("127.0.0.1", "localhost", "::1"):
        raise _fail(
            f"serving on {address} reaches other machines: add --lan, which protects the page with a token."
        )
    results = [p for p in inputs if p.suffix.lower() in (".json", ".jsonl")]
    if out is None:
        out = reviewed_path(results[0]) if len(results) == 1 else Path("certscan-reviewed.jsonl")
    if any(out.resolve() == p.resolve() for p in results):
        raise _fail(
            f"{out} is a results file under review; the OCR result is never overwritten, name another --out."
        )
    desk = ReviewDesk(out, registry=registry, max_upload_bytes=round(max_upload_mb * 1024 * 1024))
    try:
        for path in inputs:
            if path in results:
                desk.add_results(path)
            else:
                typer.echo(f"certscan: reading {path}", err=True)
                desk.add_image(path)
    except CertscanError as exc:
        desk.close()
        raise _fail(str(exc)) from None
    token = secrets.token_urlsafe(18) if lan else None
    app_ = create_app(desk, WebSettings(token=token, lang=lang))
    import uvicorn

    query = f"?token={token}" if token else ""
    shown = lan_addresses() if lan and address in ("0.0.0.0", "::") else [address]
    for name in shown:
        typer.echo(f"certscan review: http://{name}:{port}/{query}")
    typer.echo(f"certscan review: reviewed records go to {out}, the audit trail to {desk.audit_file}")
    try:
        uvicorn.run(app_, host=address, port=port, log_level="warning")
    finally:
        desk.close()


registry_app = typer.Typer(
    no_args_is_help=True, help="Build and inspect the registry that `certscan verify` looks doctors up in."
)
app.add_typer(registry_app, name="registry")

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The registry file. Default: $CERTSCAN_REGISTRY, else ~/.local/share/certscan/registry.db.",
    ),
]


def _db(db: Path | None) -> Path:
    from .registry import default_registry_path

    return db or default_registry_path()


def _existing_db(db: Path | None) -> SqliteRegistry:
    from .registry.sqlite import SqliteRegistry

    try:
        return SqliteRegistry.open_existing(_db(db))
    except CertscanError as exc:
        raise _fail(str(exc)) from None


@registry_app.command("import")
def registry_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV rosters or registry exports (canonical keys or Chinese labels as header)."),
    ],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
    lang: LangOption = "zh",
) -> None:
    """Load rosters or registry exports into the registry, creating it if needed.

    Institutions are put onto their official names; a doctor already in the registry (same
    certificate code) is replaced; rows that cannot be held are reported with their line number
    and the good rows are kept. Exit code 0, 1 when some rows were rejected, 2 when a file cannot
    be read.
    """
    language = _lang(lang)
    from .registry.importer import RosterImporter, import_csv
    from .registry.sqlite import SqliteRegistry

    path = _db(db)
    worst = EXIT_OK
    try:
        store = SqliteRegistry.create(path)
    except CertscanError as exc:
        raise _fail(str(exc)) from None
    importer = RosterImporter()
    try:
        for file in files:
            try:
                with _import_progress(file) as show:
                    report = import_csv(file, store, importer, show)
            except CertscanError as exc:
                typer.echo(f"certscan: {exc}", err=True)
                worst = EXIT_USAGE
                continue
            if report.rejected:
                worst = max(worst, EXIT_FINDING)
            if as_json:
                typer.echo(json.dumps({"db": str(path), **report.to_json()}, ensure_ascii=False))
            else:
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
    language = _lang(lang)
    store = _existing_db(db)
    stats = store.stats()
    store.close()
    if as_json:
        typer.echo(json.dumps(stats.to_json(), ensure_ascii=False))
    else:
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
    language = _lang(lang)
    store = _existing_db(db)
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
            typer.echo(entry_summary(entry, language))


def main() -> None:
    """Console-script entry point."""
    app()
