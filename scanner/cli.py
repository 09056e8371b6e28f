"""The `certscan` command: parse options, call the library, render. Errors become one sentence."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from . import __version__
from .config import ScanConfig
from .errors import CertscanError
from .report import summary, to_json_line

if TYPE_CHECKING:
    from .batch import BatchProgress

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

    if roster is not None:
        from .roster import Roster

        try:
            Roster.read(roster)
        except CertscanError as exc:
            raise _fail(str(exc)) from None
    thumbs = out.with_name(out.name + ".thumbs")
    settings = BatchSettings(config=config, thumbs_dir=thumbs.absolute(), roster=roster)
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


def main() -> None:
    """Console-script entry point."""
    app()
