"""`certscan batch`: many files read into one results file, with its reports and a progress display."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CertscanError
from ..text import Lang
from .common import (
    EXIT_USAGE,
    DetOption,
    KeysOption,
    LangOption,
    RecOption,
    RetriesOption,
    TimeoutOption,
    fail,
    open_store,
    parse_lang,
    scan_config,
)

if TYPE_CHECKING:
    from ..batch import BatchProgress


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
    language = parse_lang(lang)
    config = scan_config(det_model, rec_model, rec_keys, 0)
    from ..batch import BatchError, BatchSettings, check_outputs, missing_input, run_batch, write_failure
    from ..batch.report import summarize, write_csv, write_html
    from ..registry import HttpSettings
    from ..text import shown_path

    html_out = html_path or out.with_suffix(".html")
    try:
        check_outputs(out, {"--html": html_out, **({"--csv": csv_path} if csv_path else {})})
    except BatchError as exc:
        raise fail(exc.text(language)) from None

    if roster is not None:
        from ..batch.roster import Roster

        try:
            Roster.read(roster)
        except CertscanError as exc:
            raise fail(exc.text(language)) from None
    http = HttpSettings(registry_timeout, registry_retries)
    if registry is not None:
        # Opened here once so a wrong path or URL is one sentence before any worker starts.
        open_store(registry, registry_timeout, registry_retries, language).close()
        if not registry.startswith(("http://", "https://")):
            registry = str(Path(registry).absolute())
    thumbs = out.with_name(out.name + ".thumbs")
    from ..normalize import load_user_institutions

    try:
        institutions = load_user_institutions()
    except CertscanError as exc:
        raise fail(exc, language) from None
    settings = BatchSettings(
        config=config,
        thumbs_dir=thumbs.absolute(),
        roster=roster,
        registry=registry,
        http=http,
        lang=language,
        institutions=institutions,
    )
    backend = None
    if dask is not None:
        from ..batch.dask import DaskBackend

        try:
            backend = DaskBackend.connect(dask, settings)
        except CertscanError as exc:
            raise fail(exc, language) from None
    n = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        with _progress_display(language) as show:
            run = run_batch(inputs, out, settings, n, backend=backend, progress=show, timeout=timeout)
    except BatchError as exc:
        raise fail(exc.text(language)) from None
    except KeyboardInterrupt:
        stopped = "interrupted; finished rows are kept, rerun the command to resume."
        if language == "zh":
            stopped = "已中断；已完成的结果都已保存，重新运行同一命令即可继续。"
        typer.echo(f"certscan: {stopped}", err=True)
        raise typer.Exit(130) from None
    finally:
        if backend is not None:
            backend.close(cancel=False)
    summary = summarize(out, registry)
    reports: list[tuple[Path, Callable[[], int]]] = [
        (html_out, lambda: write_html(out, html_out, thumbs, summary, language))
    ]
    if csv_path is not None:
        reports.append((csv_path, lambda: write_csv(out, csv_path, language)))
    for where, write in reports:
        try:
            write()
        except OSError as exc:
            raise fail(write_failure(where, exc).text(language)) from None
    done = "本次读取{read}个文件，跳过已完成的{skipped}个"
    if language == "en":
        done = "{read} files read, {skipped} already done"
    typer.echo(done.format(read=run.read, skipped=run.skipped))
    for line in summary.lines(language):
        typer.echo(line)
    typer.echo(("报告：" if language == "zh" else "Report: ") + shown_path(str(html_out)))
    for name in run.missing:
        typer.echo(f"certscan: {missing_input(name).text(language)}", err=True)
    if summary.failed:
        raise typer.Exit(EXIT_USAGE)


@contextmanager
def _progress_display(lang: Lang = "zh") -> Iterator[Callable[[BatchProgress], None]]:
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
        if lang == "zh":
            eta = f"，约剩{p.eta / 60:.0f}分钟" if p.eta is not None and p.done < p.total else ""
            line = f"已完成{p.done}/{p.total}个文件（其中{p.skipped}个此前已完成），每秒{p.rate:.2f}个{eta}"
        else:
            eta = f", about {p.eta / 60:.0f} min left" if p.eta is not None and p.done < p.total else ""
            line = f"{p.done}/{p.total} files ({p.skipped} already done), {p.rate:.2f} files/s{eta}"
        typer.echo(f"certscan batch: {line}", err=True)

    yield log_line
