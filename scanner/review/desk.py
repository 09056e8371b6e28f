"""The reviewer's desk: the certificates under review, their images, the output files.

This is the review's I/O layer, shared by the web page: it reads results files, stores uploads under
generated names in a private temporary folder, scans them, applies corrections through
`session.ReviewedRecord`, writes the reviewed JSON Lines file after every change (so nothing is lost
if the server stops) and appends every correction to the audit file beside it. Clients only ever
name certificates by the ids the desk gives out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from ..errors import InputError
from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER, CertificateRecord, FieldKey
from ..load import BadPage, Page, load_pages
from ..normalize import InstitutionMatcher
from ..records import read_rows
from ..report import Lang
from .session import VERIFY_KEYS, Action, AuditEntry, ReviewedRecord, now_utc, ready_for_lookup
from .uploads import DEFAULT_MAX_UPLOAD_BYTES, check_upload

if TYPE_CHECKING:
    from ..pipeline import Scanner
    from ..verify import Verification


@dataclass(frozen=True)
class Item:
    """One certificate on the desk. `image` is a server-side path, never one a client sent."""

    id: str
    reviewed: ReviewedRecord
    image: Path | None = None
    # Which page of `image` the certificate is on (1-based), None for a single picture.
    page: int | None = None
    # The verification made after the last review action, or None.
    verification: Verification | None = None
    verified_after: int = -1

    @property
    def verified(self) -> Verification | None:
        """The verification when no correction was made since it."""
        return self.verification if self.verified_after == len(self.reviewed.audit) else None


def audit_path(out: Path) -> Path:
    """The audit file beside a reviewed file: results.reviewed.jsonl → results.reviewed.audit.jsonl."""
    return out.with_name(out.name.removesuffix(".jsonl").removesuffix(".json") + ".audit.jsonl")


def reviewed_path(results: Path) -> Path:
    """Where the review of a results file goes by default: results.jsonl → results.reviewed.jsonl."""
    return results.with_name(results.name.removesuffix(".jsonl").removesuffix(".json") + ".reviewed.jsonl")


def append_audit(path: Path, entries: Iterable[AuditEntry]) -> None:
    """Append audit entries to a JSON Lines file (created, with its folder, when needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")


def write_rows(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write JSON Lines atomically: a crash never leaves half a reviewed file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


class ReviewDesk:
    """Certificates under review, in the order they came, with their images and verifications."""

    def __init__(
        self,
        out: Path,
        *,
        registry: str | None = None,
        today: dt.date | None = None,
        scanner: Callable[[], Scanner] | None = None,
        matcher: InstitutionMatcher | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        max_pixels: int = 128_000_000,
    ) -> None:
        self.out = out
        self.audit_file = audit_path(out)
        self.registry = registry
        self.today = today or dt.date.today()
        self.max_upload_bytes = max_upload_bytes
        self.max_pixels = max_pixels
        self.matcher = matcher or InstitutionMatcher()
        # Made on first use: the OCR models take seconds to load and a desk of results may never scan.
        self._make_scanner = scanner or self._default_scanner
        self._scanner: Scanner | None = None
        self._items: dict[str, Item] = {}
        self._images: dict[str, bytes] = {}
        self._flats: dict[str, bytes] = {}
        self._lock = threading.RLock()
        # OCR runs one image at a time: the models are shared and the machine small.
        self._scan_lock = threading.Lock()
        self._uploads: Path | None = None

    # -- filling the desk ------------------------------------------------------------------------

    def add_results(self, path: Path) -> list[Item]:
        """The rows of a results file (`certscan scan --json`, a batch or an earlier review).

        Raises InputError for a file or row that is not a certscan record.
        """
        added = []
        for row, where, where_zh in read_rows(path):
            try:
                reviewed = ReviewedRecord.from_row(row, self.today)
            except ValueError as exc:
                reason = f"{where} is not a certscan record: {exc}"
                raise InputError(str(path), reason, f"{where_zh}不是certscan记录") from None
            record = reviewed.record
            added.append(self._add(reviewed, _find_image(record.file, path), record.page))
        return added

    def add_image(self, path: Path) -> list[Item]:
        """Scan an image or PDF file given on the command line and put each page on the desk; a file
        that cannot be read is listed with its reason."""
        try:
            return self._read_pages(path, str(path))
        except InputError as exc:
            failed = CertificateRecord.failed(str(path), exc.reason, error_zh=exc.reason_zh)
            return [self._add(ReviewedRecord(failed))]

    def upload(self, data: bytes, declared_type: str | None, client_name: str | None) -> list[Item]:
        """Accept a browser upload, store it under a generated name, read it and scan each page.

        Raises InputError (one sentence, English and Chinese) for a file of the wrong type or size,
        or one the loader cannot read; nothing of a refused file is kept.
        """
        accepted = check_upload(data[:512], len(data), declared_type, client_name, self.max_upload_bytes)
        stored = self.upload_dir() / f"{secrets.token_hex(12)}{accepted.suffix}"
        stored.write_bytes(data)
        try:
            return self._read_pages(stored, accepted.name)
        except InputError as exc:
            stored.unlink(missing_ok=True)
            raise InputError(accepted.name, exc.reason, exc.reason_zh) from None

    def _read_pages(self, path: Path, file: str) -> list[Item]:
        """One item per page of a file (a PDF or multi-frame TIFF holds several certificates), as
        `file`; a page that cannot be read is an item with its reason. Raises InputError when the
        file as a whole cannot be read, before any item is made."""
        pages = load_pages(path, self.max_pixels)
        try:
            first = next(pages)
            if isinstance(first, BadPage) and first.pages == 1:
                raise first.error
            items = []
            for page in itertools.chain([first], pages):
                if isinstance(page, BadPage):
                    error = page.error
                    failed = CertificateRecord.failed(file, error.reason, page.page, error_zh=error.reason_zh)
                    items.append(self._add(ReviewedRecord(failed), path, page.page))
                else:
                    items.append(self._scanned(page.image, file, path, page.page))
            return items
        finally:
            pages.close()

    def upload_dir(self) -> Path:
        """The private temporary folder uploads are stored in, made on the first upload."""
        with self._lock:
            if self._uploads is None:
                self._uploads = Path(tempfile.mkdtemp(prefix="certscan-review-"))
            return self._uploads

    def _scanned(self, image: np.ndarray, file: str, stored: Path, page: int | None) -> Item:
        with self._scan_lock:
            record = self.scanner().scan_array(image, file, page)
        item = self._add(ReviewedRecord(record), stored, page)
        self._images[item.id] = _jpeg(image)
        self.save()
        return item

    def scanner(self) -> Scanner:
        """The scanner, its models loaded on first use."""
        if self._scanner is None:
            self._scanner = self._make_scanner()
        return self._scanner

    def _default_scanner(self) -> Scanner:
        from ..pipeline import Scanner

        return Scanner(matcher=self.matcher)

    def _add(self, reviewed: ReviewedRecord, image: Path | None = None, page: int | None = None) -> Item:
        item = Item(secrets.token_hex(8), reviewed, image, page)
        with self._lock:
            self._items[item.id] = item
        return item

    # -- reading ---------------------------------------------------------------------------------

    def items(self) -> list[Item]:
        """Every item, those needing review first, then those ready to verify, then those that could
        not be read; in the order they came within each group."""
        with self._lock:
            items = list(self._items.values())

        def rank(item: Item) -> int:
            record = item.reviewed.record
            return 2 if record.error else (0 if record.needs_review else 1)

        return sorted(items, key=rank)

    def get(self, item_id: str) -> Item:
        """The item with this id; KeyError when there is none."""
        with self._lock:
            return self._items[item_id]

    def image(self, item_id: str) -> bytes | None:
        """The certificate image as JPEG, upright as it was read (boxes are in its pixels), or None
        when the image file is not available."""
        item = self.get(item_id)
        if item_id not in self._images:
            if item.image is None:
                return None
            found = _page_image(item.image, item.page, self.max_pixels)
            if found is None:
                return None
            self._images[item_id] = _jpeg(found)
        return self._images[item_id]

    def flat_image(self, item_id: str) -> bytes | None:
        """The certificate flattened and turned upright as OCR read it, as JPEG, or None when the
        photo or the page geometry is not available."""
        item = self.get(item_id)
        found = flat_matrix(item.reviewed.record)
        photo = self.image(item_id)
        if found is None or photo is None:
            return None
        if item_id not in self._flats:
            from ..deskew import warp

            image = np.asarray(Image.open(io.BytesIO(photo)).convert("RGB"))
            self._flats[item_id] = _jpeg(warp(image, *found))
        return self._flats[item_id]

    # -- reviewing -------------------------------------------------------------------------------

    def correct(self, item_id: str, key: FieldKey, value: str | None, reviewer: str | None) -> Item:
        """Set a field (confirm it when the value is unchanged); save and audit at once."""
        with self._lock:
            item = self.get(item_id)
            reviewed, entry = item.reviewed.apply(key, value, self.today, reviewer, now_utc())
            item = replace(item, reviewed=reviewed)
            self._items[item_id] = item
            append_audit(self.audit_file, [entry])
            self.save()
        return item

    def preview(self, item_id: str, values: Mapping[FieldKey, str | None]) -> CertificateRecord:
        """The record as it would be with these values: checks re-run, nothing saved."""
        return self.get(item_id).reviewed.preview(values, self.today)

    def verify(self, item_id: str) -> Verification:
        """Look the reviewed record up in the registry. Raises RegistryError (a CertscanError) when
        the registry cannot be used."""
        from ..registry import default_registry_path, open_registry
        from ..verify import Verifier

        item = self.get(item_id)
        record = ready_for_lookup(item.reviewed.record, self.matcher, self.today)
        # A connection per lookup: requests run on several threads and SQLite connections stay on one.
        store = open_registry(self.registry or default_registry_path())
        try:
            verification = Verifier(store, self.matcher).verify(record)
        finally:
            store.close()
        with self._lock:
            current = self.get(item_id)
            self._items[item_id] = replace(
                current, verification=verification, verified_after=len(current.reviewed.audit)
            )
            self.save()
        return verification

    # -- writing ---------------------------------------------------------------------------------

    def rows(self, lang: Lang = "zh") -> list[dict[str, Any]]:
        """The reviewed rows in the order the certificates came, each with its verification when one
        was made after the last correction (the keys of `certscan verify --json`)."""
        with self._lock:
            items = list(self._items.values())
        rows = []
        for item in items:
            row = item.reviewed.to_json()
            verified = item.verified
            if verified is not None:
                row |= {k: v for k, v in verified.to_json(lang).items() if k in VERIFY_KEYS}
            rows.append(row)
        return rows

    def save(self) -> None:
        """Write the reviewed file (all certificates, corrected values, audit trails)."""
        with self._lock:
            write_rows(self.out, self.rows())

    def export_jsonl(self, lang: Lang = "zh") -> str:
        """The reviewed rows as JSON Lines, for download."""
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows(lang))

    def export_csv(self, lang: Lang = "zh") -> str:
        """One line per certificate for people and spreadsheets: the values after review, what is
        still to review, what a person corrected, by whom, and the verdict."""
        labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
        head = (
            [
                "文件",
                "页",
                *(labels[k] for k in FIELD_ORDER),
                "待复核",
                "人工更正",
                "复核人",
                "结论",
                "无法读取",
            ]
            if lang == "zh"
            else [
                "File",
                "Page",
                *(labels[k] for k in FIELD_ORDER),
                "To review",
                "Corrected",
                "Reviewer",
                "Verdict",
                "Unreadable",
            ]
        )
        sep = "、" if lang == "zh" else ", "
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(head)
        with self._lock:
            items = list(self._items.values())
        for item in items:
            record, audit = item.reviewed.record, item.reviewed.audit
            corrected = list(dict.fromkeys(labels[e.field] for e in audit if e.action is Action.CORRECTED))
            reviewers = list(dict.fromkeys(e.reviewer for e in audit if e.reviewer))
            verified = item.verified
            writer.writerow(
                [
                    record.file,
                    record.page or "",
                    *((record.value(k) or "") for k in FIELD_ORDER),
                    sep.join(labels[k] for k in record.needs_review),
                    sep.join(corrected),
                    sep.join(reviewers),
                    str(verified.verdict) if verified and verified.verdict else "",
                    (record.error_zh if lang == "zh" else record.error) or "",
                ]
            )
        # A byte-order mark lets Excel and WPS open the Chinese text as UTF-8.
        return "\ufeff" + buffer.getvalue()

    def close(self) -> None:
        """Remove the stored uploads (the reviewed file and the audit stay)."""
        if self._uploads is not None:
            shutil.rmtree(self._uploads, ignore_errors=True)


def _find_image(file: str, results: Path) -> Path | None:
    """The image a results row names: as written (relative to where the scan ran), else beside the
    results file. Only the server resolves these; clients never send paths."""
    named = Path(file)
    for candidate in (named, results.parent / named, results.parent / named.name):
        if candidate.is_file():
            return candidate
    return None


def _page_image(path: Path, page: int | None, max_pixels: int) -> np.ndarray | None:
    """The picture of one page of a file (the first for None), or None when it cannot be read."""
    try:
        pages = load_pages(path, max_pixels)
        try:
            for found in pages:
                if page is None or found.page == page:
                    return found.image if isinstance(found, Page) else None
        finally:
            pages.close()
    except InputError:
        return None
    return None


def flat_matrix(record: CertificateRecord) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The homography (photo pixels → flat page) and flat page size a record was read with, if any."""
    geometry = record.geometry or {}
    matrix, size = geometry.get("matrix"), geometry.get("flat_size")
    if not matrix or not size:
        return None
    return np.asarray(matrix, dtype=np.float64), (int(size[0]), int(size[1]))


def _jpeg(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=88)
    return out.getvalue()
