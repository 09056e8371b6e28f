"""The `certscan` command: parse options, call the library, render. Errors become one sentence."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from . import __version__
from .config import ScanConfig
from .errors import CertscanError
from .report import entry_summary, import_summary, stats_summary, summary, to_json_line, verify_summary
from .text import Lang

if TYPE_CHECKING:
    from .batch import BatchProgress
    from .fields import CertificateRecord
    from .registry import Registry
    from .registry.sqlite import SqliteRegistry

# What the help shows for a value: typer's own placeholders (<list[Path]>, {images}...) mean nothing
# to a clerk. Options and arguments by name first, then by the type they take.
_METAVARS = {
    "images": "IMAGE...",
    "inputs": "PATH...",
    "files": "CSV...",
    "texts": "NAME...",
    "code": "CODE",
    "roster": "CSV",
    "institutions": "CSV",
    "lang": "zh|en",
    "registry": "DB|URL",
    "db": "DB",
    "dask": "ADDRESS",
    "host": "ADDRESS",
    "port": "PORT",
    "reviewer": "NAME",
    "threads": "N",
    "workers": "N",
    "registry_retries": "N",
    "retries": "N",
    "registry_timeout": "SECONDS",
    "timeout": "SECONDS",
    "max_upload_mb": "MB",
}
_TYPE_METAVARS = {Path: "FILE", int: "N", float: "NUMBER"}


class _ReadableArgument(TyperArgument):
    """A positional argument shown by its metavar alone (IMAGE...), in the usage line as click does
    it: IMAGE... when required, [IMAGE]... when not."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = (self.metavar or self.name or "").removesuffix("...")
        shown = name if self.required else f"[{name}]"
        return shown + ("..." if self.nargs != 1 else "")


def _readable(param: object) -> None:
    """Give a parameter the metavar a person reads in the help (FILE, DB|URL, IMAGE...); a flag
    shows none."""
    if isinstance(param, TyperArgument):
        if param.metavar is None:
            name = _METAVARS.get(param.name or "", (param.name or "value").upper())
            param.metavar = name if param.nargs == 1 or name.endswith("...") else name + "..."
        param.__class__ = _ReadableArgument
    elif isinstance(param, TyperOption) and param.metavar is None:
        if param.is_flag:
            param.metavar = ""
        else:
            annotation: Any = param.type_descriptor.annotation
            # A repeatable option (list[Path]) takes one value of its element type at a time.
            element = get_args(annotation)[0] if get_origin(annotation) is list else annotation
            param.metavar = _METAVARS.get(param.name or "", _TYPE_METAVARS.get(element, "TEXT"))


class _ReadableCommand(TyperCommand):
    """A command whose help shows readable metavars (see `_readable`), its --help option too."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params


class _ReadableGroup(TyperGroup):
    """The certscan group: every command under it, sub-groups included, shows readable help."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _make_readable(self)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params


def _make_readable(group: TyperGroup) -> None:
    for command in group.commands.values():
        if isinstance(command, TyperGroup):
            command.__class__ = _ReadableGroup
            _make_readable(command)
        elif isinstance(command, TyperCommand):
            command.__class__ = _ReadableCommand


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


def _fail(message: str | CertscanError, lang: Lang = "zh") -> typer.Exit:
    """Print one sentence (an error's own, in the reader's language) and give exit code 2."""
    text = message.text(lang) if isinstance(message, CertscanError) else message
    typer.echo(f"certscan: {text}", err=True)
    return typer.Exit(EXIT_USAGE)


def _lang(value: str) -> Literal["zh", "en"]:
    if value not in ("zh", "en"):
        raise _fail(f"unknown language {value!r}; use zh or en.")
    return "zh" if value == "zh" else "en"


def _config(
    det: Path | None, rec: Path | None, keys: Path | None, threads: int, lang: Lang = "zh"
) -> ScanConfig:
    overrides: dict[str, object] = {"threads": threads}
    for name, value in (("det_model", det), ("rec_model", rec), ("rec_keys", keys)):
        if value is not None:
            overrides[name] = value
    try:
        return ScanConfig(**overrides)  # type: ignore[arg-type]
    except CertscanError as exc:
        raise _fail(exc, lang) from None


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
    page was read, 1 when a picture holds no practising certificate (warning no_certificate), 2 when
    a file or page could not be read or options are wrong.
    """
    language = _lang(lang)
    config = _config(det_model, rec_model, rec_keys, threads, language)
    from .fields import NO_CERTIFICATE
    from .pipeline import Scanner

    try:
        scanner = Scanner(config)
    except CertscanError as exc:
        raise _fail(exc, language) from None
    unreadable = elsewhere = 0
    for record in scanner.scan_files(images):
        unreadable += bool(record.error)
        elsewhere += NO_CERTIFICATE in record.warnings
        if as_json:
            typer.echo(to_json_line(record))
        else:
            typer.echo(summary(record, language))
        sys.stdout.flush()
    if unreadable:
        raise typer.Exit(EXIT_USAGE)
    if elsewhere:
        raise typer.Exit(EXIT_FINDING)


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
    from .batch import BatchError, BatchSettings, check_outputs, missing_input, run_batch, write_failure
    from .batch.report import summarize, write_csv, write_html
    from .registry import HttpSettings
    from .text import shown_path

    html_out = html_path or out.with_suffix(".html")
    try:
        check_outputs(out, {"--html": html_out, **({"--csv": csv_path} if csv_path else {})})
    except BatchError as exc:
        raise _fail(exc.text(language)) from None

    if roster is not None:
        from .batch.roster import Roster

        try:
            Roster.read(roster)
        except CertscanError as exc:
            raise _fail(exc.text(language)) from None
    http = HttpSettings(registry_timeout, registry_retries)
    if registry is not None:
        # Opened here once so a wrong path or URL is one sentence before any worker starts.
        _open_registry(registry, registry_timeout, registry_retries, language).close()
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
        from .batch.dask import DaskBackend

        try:
            backend = DaskBackend.connect(dask, settings)
        except CertscanError as exc:
            raise _fail(str(exc)) from None
    n = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        with _progress_display(language) as show:
            run = run_batch(inputs, out, settings, n, backend=backend, progress=show, timeout=timeout)
    except BatchError as exc:
        raise _fail(exc.text(language)) from None
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
            raise _fail(write_failure(where, exc).text(language)) from None
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
def _progress_display(lang: Literal["zh", "en"] = "zh") -> Iterator[Callable[[BatchProgress], None]]:
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
        raise _fail(exc) from None
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
        raise _fail(exc, language) from None
    names = [line.rstrip("\r\n") for line in sys.stdin] if texts == ["-"] else texts
    for name in names:
        result = matcher.match(name)
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            typer.echo(result.summary(language))


def _open_registry(
    location: str | None, timeout: float = 5.0, retries: int = 2, lang: Literal["zh", "en"] = "zh"
) -> Registry:
    """The registry to verify against; one sentence in the reader's language and exit 2 when it
    cannot be used (credentials over plain http to another machine included). The sentence and
    the registry's `describe()` name an HTTP registry without its credentials, which may also
    come from $CERTSCAN_REGISTRY_USER and $CERTSCAN_REGISTRY_PASSWORD or netrc."""
    from .registry import HttpSettings, default_registry_path, open_registry

    try:
        return open_registry(location or default_registry_path(), HttpSettings(timeout, retries))
    except CertscanError as exc:
        raise _fail(exc.text(lang)) from None


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
    certificate is consistent, 1 when any other verdict needs attention or a picture holds no
    practising certificate, 2 when an input cannot be read, the registry cannot be used, or options
    are wrong.
    """
    language = _lang(lang)
    if not images and not records:
        raise _fail(
            "name certificate images to verify, or reviewed records with --record."
            if language == "en"
            else "请指定要核验的证书图片，或用 --record 指定复核后的记录。"
        )
    from .load import is_picture

    for path in records or []:
        if is_picture(path):
            # A photo given as a reviewed record: say what to type instead of failing on its bytes.
            raise _fail(
                f"{path} is a picture, not a reviewed record: verify it with `certscan verify {path}` "
                "(without --record)."
                if language == "en"
                else f"{path} 是图片，不是复核记录：请去掉 --record，运行 certscan verify {path}。"
            )
    config = _config(det_model, rec_model, rec_keys, threads, language)
    store = _open_registry(registry, timeout, retries, language)
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
                raise _fail(exc, language) from None
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
        raise _fail(exc, language) from None
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
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, help="Most pages one upload (a PDF, a TIFF) may hold.")
    ] = 50,
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
            raise _fail(exc.text(language)) from None
        raise typer.Exit(EXIT_FINDING if outcome.stopped else EXIT_OK)
    _serve_review(
        inputs or [], host, port, lan, registry, out, (max_upload_mb, max_pages), reviewer, language
    )


def _serve_review(
    inputs: list[Path],
    host: str | None,
    port: int,
    lan: bool,
    registry: str | None,
    out: Path | None,
    limits: tuple[float, int],
    reviewer: str | None,
    lang: Literal["zh", "en"],
) -> None:
    import secrets

    from .review.desk import ReviewDesk, reviewed_path
    from .review.web import WebSettings, lan_addresses, serve
    from .text import redact_url

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
    max_upload_mb, max_pages = limits
    try:
        # Starts with what `out` already holds; refused while another review writes it.
        desk = ReviewDesk(
            out,
            registry=registry,
            max_upload_bytes=round(max_upload_mb * 1024 * 1024),
            max_pages=max_pages,
        )
    except CertscanError as exc:
        raise _fail(exc.text(lang)) from None
    try:
        for path in inputs:
            if path in results:
                desk.add_results(path)
            else:
                typer.echo(f"certscan: reading {path}", err=True)
                desk.add_image(path)
    except CertscanError as exc:
        desk.close()
        raise _fail(exc.text(lang)) from None
    token = secrets.token_urlsafe(18) if lan else None
    query = f"?token={token}" if token else ""
    shown = lan_addresses() if lan and address in ("0.0.0.0", "::") else [address]
    for name in shown:
        typer.echo(f"certscan review: http://{name}:{port}/{query}")
    kept = f" ({len(desk.items())} certificate(s) on the desk)" if desk.items() else ""
    typer.echo(f"certscan review: reviewed records go to {out}{kept}, the audit trail to {desk.audit_file}")
    if registry:
        typer.echo(f"certscan review: registry {redact_url(registry)}")
    serve(desk, WebSettings(token=token, lang=lang, reviewer=reviewer), address, port)


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


def _existing_db(db: Path | None, lang: Literal["zh", "en"] = "zh") -> SqliteRegistry:
    from .registry.sqlite import SqliteRegistry

    try:
        return SqliteRegistry.open_existing(_db(db))
    except CertscanError as exc:
        raise _fail(exc.text(lang)) from None


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
    language = _lang(lang)
    from .registry.importer import RosterImporter, import_csv
    from .registry.sqlite import SqliteRegistry

    path = _db(db)
    worst = EXIT_OK
    try:
        store = SqliteRegistry.create(path)
    except CertscanError as exc:
        raise _fail(exc.text(language)) from None
    importer = RosterImporter()
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
    store = _existing_db(db, language)
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
            typer.echo(entry_summary(entry, language))


def main() -> None:
    """Console-script entry point."""
    app()
