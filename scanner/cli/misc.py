"""`certscan config` and `certscan institution`: the effective configuration, and institution names
put onto their official form."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from ..errors import CertscanError
from .common import DetOption, KeysOption, LangOption, RecOption, ThreadsOption, fail, parse_lang, scan_config


def show_config(
    det_model: DetOption = None,
    rec_model: RecOption = None,
    rec_keys: KeysOption = None,
    threads: ThreadsOption = 0,
) -> None:
    """Print the effective configuration and the OCR models in use, as JSON."""
    config = scan_config(det_model, rec_model, rec_keys, threads)
    from ..ocr import create_engine

    try:
        engine = create_engine(config)
    except CertscanError as exc:
        raise fail(exc) from None
    out = {"version": __version__, "config": config.describe(), "ocr": engine.describe()}
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


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
    language = parse_lang(lang)
    from ..normalize import InstitutionMatcher, load_user_institutions

    try:
        matcher = InstitutionMatcher(extra=load_user_institutions(institutions or []))
    except CertscanError as exc:
        raise fail(exc, language) from None
    names = [line.rstrip("\r\n") for line in sys.stdin] if texts == ["-"] else texts
    for name in names:
        result = matcher.match(name)
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            typer.echo(result.summary(language))
