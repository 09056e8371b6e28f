"""The `certscan` command: parse options, call the library, render. Errors become one sentence."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from . import __version__
from .config import ScanConfig
from .errors import CertscanError
from .report import summary, to_json_line

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
