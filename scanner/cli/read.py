"""`certscan scan` and `certscan verify`: read certificates, and look each one up in the registry."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CertscanError
from .common import (
    EXIT_FINDING,
    EXIT_OK,
    EXIT_USAGE,
    DetOption,
    KeysOption,
    LangOption,
    RecOption,
    RegistryOption,
    RetriesOption,
    ThreadsOption,
    TimeoutOption,
    fail,
    open_store,
    parse_lang,
    scan_config,
)

if TYPE_CHECKING:
    from ..fields import CertificateRecord


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
    language = parse_lang(lang)
    config = scan_config(det_model, rec_model, rec_keys, threads, language)
    from ..fields import NO_CERTIFICATE
    from ..normalize import InstitutionMatcher, load_user_institutions
    from ..pipeline import Scanner
    from ..report.reading import summary, to_json_line

    try:
        scanner = Scanner(config, matcher=InstitutionMatcher(extra=load_user_institutions()))
    except CertscanError as exc:
        raise fail(exc, language) from None
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
    language = parse_lang(lang)
    if not images and not records:
        raise fail(
            "name certificate images to verify, or reviewed records with --record."
            if language == "en"
            else "请指定要核验的证书图片，或用 --record 指定复核后的记录。"
        )
    from ..load import is_picture

    for path in records or []:
        if is_picture(path):
            # A photo given as a reviewed record: say what to type instead of failing on its bytes.
            raise fail(
                f"{path} is a picture, not a reviewed record: verify it with `certscan verify {path}` "
                "(without --record)."
                if language == "en"
                else f"{path} 是图片，不是复核记录：请去掉 --record，运行 certscan verify {path}。"
            )
    config = scan_config(det_model, rec_model, rec_keys, threads, language)
    store = open_store(registry, timeout, retries, language)
    from ..normalize import InstitutionMatcher, load_user_institutions
    from ..records import read_records
    from ..report import verification_json, verify_summary
    from ..review.session import ready_for_lookup
    from ..verify import Verdict, Verifier

    matcher = InstitutionMatcher(extra=load_user_institutions())
    verifier = Verifier(store, matcher)

    def reviewed() -> Iterator[CertificateRecord]:
        for path in records or []:
            for record in read_records(path):
                yield ready_for_lookup(record, matcher, config.today)

    def scanned() -> Iterator[CertificateRecord]:
        if images:
            from ..pipeline import Scanner

            try:
                scanner = Scanner(config, matcher=matcher)
            except CertscanError as exc:
                raise fail(exc, language) from None
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
                typer.echo(json.dumps(verification_json(verification, language), ensure_ascii=False))
            else:
                typer.echo(verify_summary(verification, language))
            sys.stdout.flush()
    except CertscanError as exc:
        raise fail(exc, language) from None
    finally:
        store.close()
    raise typer.Exit(worst)
