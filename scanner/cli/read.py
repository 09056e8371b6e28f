"""`certscan scan` and `certscan verify`: read certificates, and look each one up in the registry."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
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
    from ..pipeline import Scanner
    from ..text import Lang


MergeOption = Annotated[
    bool,
    typer.Option(
        "--merge",
        help="The pictures are shots of one certificate (retakes): read them as one record. A value "
        "is trusted only when the shots that read it agree and one read it surely (two agreeing shots "
        "outvote an unsure third); each field says how many shots agreed (3/3). A picture that cannot "
        "be read is left out and named.",
    ),
]


_TOO_FEW: dict[str, str] = {
    "en": "--merge reads several pictures of one certificate: name at least two.",
    "zh": "--merge 把同一张证书的多张照片合并读取：请至少指定两张照片。",
}
_MERGE_RECORDS: dict[str, str] = {
    "en": "--merge reads pictures, not reviewed records: verify the pictures with --merge, or the "
    "records without it.",
    "zh": "--merge 用于合并照片，不用于复核记录：请对照片使用 --merge，或去掉 --merge 核验记录。",
}


def _shot_names(records: Iterable[CertificateRecord]) -> list[str]:
    """Each shot's name: its file, and its page in a document of several."""
    return [r.file + (f"#{r.page}" if r.page is not None else "") for r in records]


def _merged(scanner: Scanner, images: list[Path], lang: Lang) -> tuple[CertificateRecord, list[str], bool]:
    """The shots of one certificate read as one record (`scanner.merge.merge_records`), the shots'
    names, and whether any picture could not be read or the pictures show different certificates
    (said on stderr in one sentence)."""
    from ..fields import NO_CERTIFICATE
    from ..merge import DIFFERENT_CERTIFICATES, merge_records

    shots = list(scanner.scan_files(images))
    names = _shot_names(shots)
    english = lang == "en"
    unread = [
        f"{name}（{shot.error_zh or shot.error}）" if not english else f"{name} ({shot.error})"
        for name, shot in zip(names, shots, strict=True)
        if shot.error
    ]
    unread += [
        f"{name}（图中没有医师执业证书）" if not english else f"{name} (no practising certificate in it)"
        for name, shot in zip(names, shots, strict=True)
        if NO_CERTIFICATE in shot.warnings
    ]
    merged = merge_records(shots, " + ".join(names), scanner.config.today)
    read = len(shots) - len(unread)
    if unread and read >= 2:
        typer.echo(
            f"certscan: no reading from {', '.join(unread)}; the other pictures were merged."
            if english
            else f"certscan: {'、'.join(unread)}没有读到证书，已合并其余照片。",
            err=True,
        )
    elif read < 2:
        typer.echo(
            f"certscan: only {read} of the {len(shots)} pictures gave a reading, so nothing was merged."
            if english
            else f"certscan: {len(shots)} 张照片中只有 {read} 张读到证书，未能合并。",
            err=True,
        )
    different = DIFFERENT_CERTIFICATES in merged.warnings
    if different:
        typer.echo(
            "certscan: these pictures show different certificates (their codes, names or ID numbers "
            "differ): merge only photos of one certificate; every field is marked for review."
            if english
            else "certscan: 这些照片不是同一张证书（证书编码、姓名或身份证号不同）："
            "请只合并同一张证书的照片；所有字段均需人工复核。",
            err=True,
        )
    return merged, names, different or any(shot.error for shot in shots)


def _shots_line(record: CertificateRecord, names: list[str], lang: Lang) -> str:
    """Which shots agreed on each field, for the summary: 姓名 3/3、性别 2/3 …"""
    from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER

    if record.error:
        return ""
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    total = len(names)
    agreed = [
        f"{labels[key]} {len(record.fields[key].shots)}/{total}"
        for key in FIELD_ORDER
        if key in record.fields and record.fields[key].value is not None
    ]
    if not agreed:
        return ""
    listed = ("、" if lang == "zh" else ", ").join(agreed)
    if lang == "zh":
        return f"  合并 {total} 张照片，各栏读数一致的照片数：{listed}\n"
    return f"  {total} pictures merged; shots that agreed per field: {listed}\n"


def _merged_json(row: dict[str, object], names: list[str]) -> str:
    """A JSON row of a merged reading, with the pictures its fields' `shots` count in."""
    row["shots"] = names
    return json.dumps(row, ensure_ascii=False)


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
    merge: MergeOption = False,
) -> None:
    """Read certificates and check them: every field, its confidence, and what needs review.

    Each page of a PDF and each frame of a TIFF is a certificate of its own; with --merge, every
    picture (and page) is a shot of one certificate, and they give one record. Exit code 0 when every
    page was read, 1 when a picture holds no practising certificate (warning no_certificate), 2 when
    a file or page could not be read or options are wrong.
    """
    language = parse_lang(lang)
    if merge and len(images) < 2:
        raise fail(_TOO_FEW[language])
    config = scan_config(det_model, rec_model, rec_keys, threads, language)
    from ..fields import NO_CERTIFICATE
    from ..normalize import InstitutionMatcher, load_user_institutions
    from ..pipeline import Scanner
    from ..report.reading import summary, to_json_line

    try:
        scanner = Scanner(config, matcher=InstitutionMatcher(extra=load_user_institutions()))
    except CertscanError as exc:
        raise fail(exc, language) from None
    if merge:
        record, names, unread = _merged(scanner, images, language)
        if as_json:
            typer.echo(_merged_json(record.to_json(), names))
        else:
            typer.echo(summary(record, language) + _shots_line(record, names, language))
        if unread or record.error:
            raise typer.Exit(EXIT_USAGE)
        raise typer.Exit(EXIT_FINDING if NO_CERTIFICATE in record.warnings else EXIT_OK)
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
    merge: MergeOption = False,
) -> None:
    """Read certificates, look each doctor up in the registry, compare field by field and advise.

    With --merge, the pictures are shots of one certificate, read as one record and verified once.
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
    if merge and (records or len(images or []) < 2):
        raise fail(_TOO_FEW[language] if not records else _MERGE_RECORDS[language])
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

    names: list[str] = []
    worst = EXIT_OK

    def scanned() -> Iterator[CertificateRecord]:
        nonlocal worst
        if images:
            from ..pipeline import Scanner

            try:
                scanner = Scanner(config, matcher=matcher)
            except CertscanError as exc:
                raise fail(exc, language) from None
            if not merge:
                yield from scanner.scan_files(images)
                return
            record, shot_names, unread = _merged(scanner, images, language)
            names.extend(shot_names)
            worst = EXIT_USAGE if unread else worst
            yield record

    try:
        for record in chain(reviewed(), scanned()):
            verification = verifier.verify(record)
            if record.error:
                worst = EXIT_USAGE
            elif verification.verdict is not Verdict.CONSISTENT:
                worst = max(worst, EXIT_FINDING)
            if as_json and names:
                typer.echo(_merged_json(verification_json(verification, language), names))
            elif as_json:
                typer.echo(json.dumps(verification_json(verification, language), ensure_ascii=False))
            elif names:
                typer.echo(verify_summary(verification, language) + _shots_line(record, names, language))
            else:
                typer.echo(verify_summary(verification, language))
            sys.stdout.flush()
    except CertscanError as exc:
        raise fail(exc, language) from None
    finally:
        store.close()
    raise typer.Exit(worst)
