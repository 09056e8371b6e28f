"""The reviewer's desk: the certificates under review, their images, the output files.

This is the review's I/O layer, shared by the web page: it reads results files, stores uploads under
generated names in a private temporary folder, scans them, applies corrections through
`session.ReviewedRecord`, writes the reviewed JSON Lines file after every change (so nothing is lost
if the server stops) and appends every correction to the audit file beside it. Clients only ever
name certificates by the ids the desk gives out.

Nothing lost: a desk starts with every row its output already holds (an earlier session's reviews)
and writes them back with its own, so a restart never drops a row; the output is replaced
atomically after an fsync, and the audit file is only ever appended to. One writer per output: the
desk holds an flock on `OUTPUT.lock` while it lives (the kernel releases it when the process dies),
and a second desk on the same output is refused. Bounded memory: one page at a time is decoded and
scanned (a decoded 85-megapixel picture alone takes a third of a gigabyte), and an upload holds at
most `max_pages` pages; flattening a photo for the page runs on that same thread.

Beyond fields, a reviewer corrects the blocks of a booklet's 变更注册记录, records what the national
query showed (`official`: what to type there, and the comparison), makes an evidence sheet for a
verdict to escalate (`evidence`), and reads several shots of one certificate as one item
(`merge.merge_records`). Every one of these is audited with who and when.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CertscanError, InputError
from ..fields import CertificateRecord, FieldKey
from ..load import BadPage, Page, is_picture, load_pages
from ..normalize import InstitutionMatcher
from ..records import read_rows
from ..report import verification_json
from ..text import Lang, file_sha256, redact_url
from .evidence import REFUSED, csv_table, escalated, evidence_sheet
from .official import official_query, official_result, official_view
from .pictures import find_image, flatten, jpeg, page_image
from .pictures import flat_matrix as flat_matrix
from .pictures import image_of_row as image_of_row
from .session import (
    VERIFY_KEYS,
    Action,
    AuditEntry,
    ChangePart,
    ReviewedRecord,
    ReviewRefused,
    now_utc,
    ready_for_lookup,
)
from .uploads import DEFAULT_MAX_PAGES, DEFAULT_MAX_UPLOAD_BYTES, check_upload

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
    # When the item came onto the desk (time.monotonic()): a shot soon after may show it too.
    added: float = 0.0
    # The items of the shots read as this one (`ReviewDesk.merge_items`), in the order given.
    shots: tuple[str, ...] = ()

    @property
    def sha256(self) -> str | None:
        """The SHA-256 of the image file's content, when known."""
        return self.reviewed.image_sha256

    @property
    def verified(self) -> Verification | None:
        """The verification when no correction was made since it."""
        return self.verification if self.verified_after == self.reviewed.revision else None


def audit_path(out: Path) -> Path:
    """The audit file beside a reviewed file: results.reviewed.jsonl → results.reviewed.audit.jsonl."""
    return out.with_name(out.name.removesuffix(".jsonl").removesuffix(".json") + ".audit.jsonl")


def reviewed_path(results: Path) -> Path:
    """Where the review of a results file goes by default: results.jsonl → results.reviewed.jsonl."""
    return results.with_name(results.name.removesuffix(".jsonl").removesuffix(".json") + ".reviewed.jsonl")


def lock_path(out: Path) -> Path:
    """The lock file beside a reviewed file: results.reviewed.jsonl → results.reviewed.jsonl.lock."""
    return out.with_name(out.name + ".lock")


class OutputBusyError(CertscanError):
    """Another certscan review is writing the same reviewed file."""


class OutputLock:
    """An exclusive flock on the lock file beside a reviewed file, held until `release` or until
    the process ends (the kernel drops it even after kill -9). Raises OutputBusyError when another
    process (or another desk of this one) holds it."""

    def __init__(self, out: Path) -> None:
        path = lock_path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: io.TextIOWrapper | None = path.open("a")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            self._fh = None
            raise OutputBusyError(
                f"another certscan review is already writing {out.name}; stop it first, "
                "or name another --out",
                f"另一个certscan复核正在写入{out.name}，请先停止它，或用 --out 指定另一个文件",
            ) from None

    def release(self) -> None:
        """Let another review write the file."""
        if self._fh is not None:
            self._fh.close()  # closing the descriptor drops the flock
            self._fh = None


UPLOADS_PREFIX = "certscan-review-"


def sweep_left_uploads(tmp: Path | None = None) -> list[Path]:
    """Remove the upload folders a review server left when it was killed (SIGKILL, the OOM killer,
    a power cut): each folder is named after its server's process, and one whose process is gone
    and which belongs to this user holds certificate pictures nobody will read again. The folders
    removed."""
    removed = []
    for folder in (tmp or Path(tempfile.gettempdir())).glob(f"{UPLOADS_PREFIX}*-*"):
        pid = folder.name[len(UPLOADS_PREFIX) :].split("-", 1)[0]
        try:
            info = folder.lstat()
            if not (pid.isdigit() and 0 < int(pid) < 1 << 22 and stat.S_ISDIR(info.st_mode)):
                continue
            if info.st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            continue  # alive under another user, or the folder went away meanwhile
    return removed


def append_audit(path: Path, entries: Iterable[AuditEntry]) -> None:
    """Append audit entries to a JSON Lines file (created, with its folder, when needed), on disk
    before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def write_rows(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write JSON Lines atomically and durably: a crash or kill -9 leaves the old file or the new
    one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def results_rows(path: Path) -> Iterator[tuple[dict[str, Any], str, str]]:
    """The rows of a results file (see `records.read_rows`), after making sure it is one: a photo
    or PDF, or a file that is not text, is refused with a sentence saying what to do instead."""
    name = path.name
    if is_picture(path):
        raise InputError(
            name,
            "is a picture or PDF, not a results file: upload it on the review page "
            "(certscan review --serve) or read it first with certscan scan --json",
            "是图片或PDF，不是识别结果文件：请用 certscan review --serve 打开复核页面上传它，"
            "或先用 certscan scan --json 识别",
        )
    if path.is_file():
        try:
            path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(
                name,
                "is not a results file (it is not text): name a file written by certscan scan --json "
                "or certscan batch",
                "不是识别结果文件（不是文本文件）：请指定 certscan scan --json 或 certscan batch 写出的文件",
            ) from None
    return read_rows(path)


class Cancelled(Exception):
    """The work for an upload stopped because its client left or the server is stopping."""


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
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        """Raises OutputBusyError when another review writes `out`, and InputError when `out`
        exists but is not a reviewed file (it is never overwritten then)."""
        self.out = out
        self.audit_file = audit_path(out)
        self.registry = registry
        self.today = today or dt.date.today()
        self.max_upload_bytes = max_upload_bytes
        self.max_pixels = max_pixels
        self.max_pages = max_pages
        self.matcher = matcher or InstitutionMatcher()
        # Made on first use: the OCR models take seconds to load and a desk of results may never scan.
        self._make_scanner = scanner or self._default_scanner
        self._scanner: Scanner | None = None
        self._items: dict[str, Item] = {}
        self._images: dict[str, bytes] = {}
        self._flats: dict[str, bytes] = {}
        # Shots read as one item: off the list, kept for their pictures.
        self._shots: dict[str, Item] = {}
        self._lock = threading.RLock()
        # Decoding and OCR run one page at a time, always on this one thread: the models are shared,
        # the machine small, and a decoded photo of tens of megapixels takes hundreds of megabytes
        # until it is scanned. One thread also means one malloc arena: memory freed by one decode
        # is reused by the next instead of each request thread keeping a heap of its own.
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="certscan-scan")
        self._uploads: Path | None = None
        # Set when the server stops: uploads still being read stop after their current page.
        self._stopping = threading.Event()
        self._closed = False
        # (file, page) of the rows an earlier session wrote: a results file's row is not put twice.
        self._restored: set[tuple[str, int | None]] = set()
        self._lock_file = OutputLock(out)
        sweep_left_uploads()
        try:
            self._restore()
        except CertscanError:
            self._lock_file.release()
            raise

    def _restore(self) -> None:
        """Put back every row the output already holds, so a new session adds to it."""
        if not self.out.is_file() or self.out.stat().st_size == 0:
            return
        for row, where, where_zh in results_rows(self.out):
            reviewed = self._reviewed(row, self.out, where, where_zh)
            record = reviewed.record
            image = find_image(record.file, self.out) if reviewed.image_sha256 else None
            if image is not None and file_sha256(image) != reviewed.image_sha256:
                image = None  # another file of that name, not the one reviewed
            self._add(reviewed, image, record.page)
            self._restored.add((record.file, record.page))

    # -- filling the desk ------------------------------------------------------------------------

    def add_results(self, path: Path) -> list[Item]:
        """The rows of a results file (`certscan scan --json`, a batch or an earlier review).

        Raises InputError for a file or row that is not a certscan record.
        """
        added = []
        for row, where, where_zh in results_rows(path):
            reviewed = self._reviewed(row, path, where, where_zh)
            record = reviewed.record
            if (record.file, record.page) in self._restored:
                continue  # reviewed in an earlier session: that review is on the desk already
            image = find_image(record.file, path)
            if image is not None:
                reviewed = replace(reviewed, image_sha256=file_sha256(image))
            added.append(self._add(reviewed, image, record.page))
        return added

    def _reviewed(self, row: dict[str, Any], path: Path, where: str, where_zh: str) -> ReviewedRecord:
        try:
            return ReviewedRecord.from_row(row, self.today)
        except ValueError as exc:
            reason = f"{where} is not a certscan record: {exc}"
            raise InputError(path.name, reason, f"{where_zh}不是certscan记录") from None

    def add_image(self, path: Path) -> list[Item]:
        """Scan an image or PDF file given on the command line and put each page on the desk; a file
        that cannot be read is listed with its reason."""
        try:
            return self._read_pages(path, str(path), file_sha256(path) if path.is_file() else None)
        except InputError as exc:
            failed = CertificateRecord.failed(str(path), exc.reason, error_zh=exc.reason_zh)
            return [self._add(ReviewedRecord(failed))]

    def upload(
        self,
        data: bytes,
        declared_type: str | None,
        client_name: str | None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[Item]:
        """Accept a browser upload, store it under a generated name, read it and scan each page.

        Raises InputError (one sentence, English and Chinese) for a file of the wrong type or size,
        one of more than `max_pages` pages, or one the loader cannot read; nothing of a refused
        file is kept. `cancelled()` is asked between pages: when the client has gone, the pages
        read so far stay on the desk and Cancelled is raised.
        """
        accepted = check_upload(data[:512], len(data), declared_type, client_name, self.max_upload_bytes)
        stored = self.upload_dir() / f"{secrets.token_hex(12)}{accepted.suffix}"
        stored.write_bytes(data)
        try:
            return self._read_pages(stored, accepted.name, hashlib.sha256(data).hexdigest(), cancelled)
        except InputError as exc:
            stored.unlink(missing_ok=True)
            raise InputError(accepted.name, exc.reason, exc.reason_zh) from None

    def _read_pages(
        self,
        path: Path,
        file: str,
        sha256: str | None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[Item]:
        """One item per page of a file (a PDF or multi-frame TIFF holds several certificates), as
        `file`; a page that cannot be read is an item with its reason. Raises InputError when the
        file as a whole cannot be read or has too many pages, before any item is made."""
        pages = load_pages(path, self.max_pixels)
        items: list[Item] = []
        try:
            while True:
                if items and (cancelled() or self._stopping.is_set()):
                    raise Cancelled
                # One page decoded and scanned at a time, whoever uploaded it (see the module).
                item = self._worker.submit(self._next_item, pages, file, path, sha256, not items).result()
                if item is None:
                    return items
                items.append(item)
        finally:
            self._worker.submit(pages.close).result()

    def _next_item(
        self, pages: Generator[Page | BadPage], file: str, path: Path, sha256: str | None, first: bool
    ) -> Item | None:
        """Decode and scan the next page, on the desk's one worker thread; None after the last."""
        page = next(pages, None)
        if page is None:
            return None
        if page.page is None or page.page == page.pages:
            # A generator holds what it yielded until it moves on: let the last page go with this
            # call, not when the uploader's thread next gets its turn behind other uploads.
            pages.close()
        if first:
            self._check_first(page, file)
        return self._page_item(page, file, path, sha256)

    def _check_first(self, page: Page | BadPage, file: str) -> None:
        """Refuse a file with more pages than allowed, or whose only page cannot be read."""
        if page.pages > self.max_pages:
            raise InputError(
                file,
                f"the file has {page.pages:,} pages, more than the {self.max_pages} one upload may "
                "hold; split it into smaller files",
                f"文件有{page.pages:,}页，超过每次上传允许的{self.max_pages}页，请拆分成较小的文件",
            )
        if isinstance(page, BadPage) and page.pages == 1:
            raise page.error

    def _page_item(self, page: Page | BadPage, file: str, path: Path, sha256: str | None) -> Item:
        if isinstance(page, BadPage):
            error = page.error
            failed = CertificateRecord.failed(file, error.reason, page.page, error_zh=error.reason_zh)
            return self._add(ReviewedRecord(failed, image_sha256=sha256), path, page.page)
        record = self.scanner().scan_array(page.image, file, page.page)
        item = self._add(ReviewedRecord(record, image_sha256=sha256), path, page.page)
        self._images[item.id] = jpeg(page.image)
        self.save()
        return item

    def stop(self) -> None:
        """Stop reading uploads after their current page: the server is stopping."""
        self._stopping.set()

    def upload_dir(self) -> Path:
        """The private temporary folder uploads are stored in, made on the first upload."""
        with self._lock:
            if self._uploads is None:
                self._uploads = Path(tempfile.mkdtemp(prefix=f"{UPLOADS_PREFIX}{os.getpid()}-"))
            return self._uploads

    def scanner(self) -> Scanner:
        """The scanner, its models loaded on first use."""
        if self._scanner is None:
            self._scanner = self._make_scanner()
        return self._scanner

    def _default_scanner(self) -> Scanner:
        from ..pipeline import Scanner

        return Scanner(matcher=self.matcher)

    def _add(self, reviewed: ReviewedRecord, image: Path | None = None, page: int | None = None) -> Item:
        item = Item(secrets.token_hex(8), reviewed, image, page, added=time.monotonic())
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
            return 2 if record.error else (0 if item.reviewed.pending else 1)

        return sorted(items, key=rank)

    def get(self, item_id: str) -> Item:
        """The item with this id; KeyError when there is none."""
        with self._lock:
            return self._items[item_id]

    def _any(self, item_id: str) -> Item:
        """An item on the list or a shot merged into one; KeyError when there is none."""
        with self._lock:
            return self._items.get(item_id) or self._shots[item_id]

    def image(self, item_id: str) -> bytes | None:
        """The certificate image as JPEG, upright as it was read (boxes are in its pixels), or None
        when the image file is not available. Shots read as one show the first shot's picture."""
        item = self._any(item_id)
        if item.shots:
            return self.image(item.shots[0])
        if item_id not in self._images:
            if item.image is None:
                return None
            found = page_image(item.image, item.page, self.max_pixels)
            if found is None:
                return None
            self._images[item_id] = jpeg(found)
        return self._images[item_id]

    def flat_image(self, item_id: str) -> bytes | None:
        """The certificate flattened and turned upright as OCR read it, as JPEG, or None when the
        photo or the page geometry is not available."""
        item = self._any(item_id)
        found = flat_matrix(item.reviewed.record)
        photo = self.image(item_id)
        if found is None or photo is None:
            return None
        if item_id not in self._flats:
            # Decoded and warped on the one worker thread, as pages are scanned: four photos of tens
            # of megapixels flattened at once by four requests would take gigabytes.
            try:
                self._flats[item_id] = self._worker.submit(flatten, photo, *found).result()
            except RuntimeError:  # the desk is closing: its worker takes no more work
                self._flats[item_id] = flatten(photo, *found)
        return self._flats[item_id]

    # -- reviewing -------------------------------------------------------------------------------

    def correct(self, item_id: str, key: FieldKey, value: str | None, reviewer: str | None) -> Item:
        """Set a field (confirm it when the value is unchanged); audit and save at once, both on
        disk before this returns. The audit entry carries the image's SHA-256."""
        with self._lock:
            reviewed, entry = self.get(item_id).reviewed.apply(key, value, self.today, reviewer, now_utc())
            return self._update(item_id, reviewed, [entry])

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
                current, verification=verification, verified_after=current.reviewed.revision
            )
            self.save()
        return verification

    def _update(self, item_id: str, reviewed: ReviewedRecord, entries: Iterable[AuditEntry]) -> Item:
        """Put the item's new review on the desk, audit and save (both on disk before this returns)."""
        with self._lock:
            item = replace(self.get(item_id), reviewed=reviewed)
            self._items[item_id] = item
            append_audit(self.audit_file, entries)
            self.save()
        return item

    def correct_change(
        self, item_id: str, index: int, part: ChangePart, value: str | None, reviewer: str | None
    ) -> Item:
        """Set one part of a 变更注册记录 block (confirm it when unchanged), as `correct` sets a field:
        audited, saved, its checks run again, `current` following it. IndexError for no such block."""
        with self._lock:
            reviewed = self.get(item_id).reviewed
            reviewed, entry = reviewed.apply_change(index, part, value, self.today, reviewer, now_utc())
            return self._update(item_id, reviewed, [entry])

    # -- the official check and the evidence sheet -------------------------------------------------

    def official_query(self, item_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """What the national query asks for (省份, 医师姓名, 所在医疗机构 under its full name), its
        address as text with the reminders, and the result recorded last (`recorded`), if any."""
        reviewed = self.get(item_id).reviewed
        return official_query(reviewed.record, self.matcher, lang, reviewed.official, self.today)

    def record_official(
        self,
        item_id: str,
        found: bool,
        values: Mapping[str, str | None],
        reviewer: str | None,
        lang: Lang = "zh",
    ) -> dict[str, Any]:
        """Keep what the national query showed (found or not; the values as shown), audited with who
        and when, and return it compared with the certificate field by field. ReviewRefused for a
        value the query does not show."""
        result = official_result(found, values, reviewer, now_utc())
        with self._lock:
            reviewed, entry = self.get(item_id).reviewed.with_official(result)
            item = self._update(item_id, reviewed, [entry])
        return official_view(item.reviewed.record, result, self.matcher, self.today, lang)

    def evidence_html(
        self, item_id: str, lang: Lang = "zh", full_id: bool = False, reviewer: str | None = None
    ) -> str:
        """A self-contained HTML evidence sheet for escalation (see `evidence`); ID numbers masked
        unless `full_id`, and asking for the full number is itself audited. ReviewRefused unless
        the verdict is one to escalate (mismatch, not_found, invalid, wrong_document)."""
        item = self.get(item_id)
        if not escalated(item.reviewed, item.verified, self.matcher, self.today):
            raise ReviewRefused(*REFUSED)
        if full_id:
            entry = item.reviewed.entry(Action.FULL_ID, reviewer, now_utc(), {"evidence": "full_id"})
            item = self._update(item_id, item.reviewed.noted(entry), [entry])
        photos = [p for p in (self.image(shot) for shot in item.shots or (item.id,)) if p is not None]
        flat, matrix = self.flat_image(item_id), flat_matrix(item.reviewed.record)
        page = (flat, matrix[0]) if flat is not None and matrix is not None else None
        return evidence_sheet(
            item.reviewed, item.verified, photos, page, self.matcher, self.today, lang, full_id, reviewer
        )

    # -- several shots of one certificate ------------------------------------------------------------

    def merge_items(self, item_ids: Iterable[str], reviewer: str | None) -> Item:
        """Read several shots of one certificate as one item (`merge.merge_records`: each field says
        which shots agreed). The shots leave the list, their pictures stay with the new item, and
        the merge is audited with the shots' files and SHA-256s. ReviewRefused for fewer than two
        readable shots."""
        from ..merge import DIFFERENT_CERTIFICATES, merge_records

        with self._lock:
            shots = [self.get(i) for i in dict.fromkeys(item_ids)]
            if len(shots) < 2 or any(s.reviewed.record.error for s in shots):
                raise ReviewRefused(
                    "choose at least two readable shots of one certificate to read as one",
                    "请至少选择两张可读取的同一证书照片合并识别",
                )
            file = "+".join(dict.fromkeys(s.reviewed.record.file for s in shots))
            record = merge_records([s.reviewed.record for s in shots], file, self.today)
            if DIFFERENT_CERTIFICATES in record.warnings:
                raise ReviewRefused(
                    "these shots show different certificates: they are not read as one",
                    "这些照片拍的是不同的证书，不能合并识别",
                )
            merged, entry = ReviewedRecord.merged([s.reviewed for s in shots], record, reviewer, now_utc())
            item = replace(self._add(merged), shots=tuple(s.id for s in shots))
            for shot in shots:
                self._shots[shot.id] = self._items.pop(shot.id)
            self._items[item.id] = item
            append_audit(self.audit_file, [entry])
            self.save()
        return item

    def same_certificate_hint(self, item_id: str, within: float = 300.0) -> str | None:
        """The id of the latest picture read on this desk within `within` seconds before this one
        that this shot probably shows too (`merge.same_certificate` does not say they differ), for
        the page's "same certificate?" question; None when none fits. Rows of a results file and
        an earlier session's items are no shots."""
        from ..merge import same_certificate

        item = self.get(item_id)
        with self._lock:
            shots = [i for i in self._items.values() if i.id in self._images and not i.reviewed.record.error]
        if item_id not in {i.id for i in shots}:
            return None
        earlier = [i for i in shots if i.id != item_id and item.added - within <= i.added <= item.added]
        for other in sorted(earlier, key=lambda i: i.added, reverse=True):
            if same_certificate(item.reviewed.record, other.reviewed.record) is not False:
                return other.id
        return None

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
                row |= {k: v for k, v in verification_json(verified, lang).items() if k in VERIFY_KEYS}
                if isinstance(row.get("registry"), str):
                    row["registry"] = redact_url(row["registry"])  # never a password in a file
            rows.append(row)
        return rows

    def save(self) -> None:
        """Write the reviewed file (all certificates, corrected values, audit trails). A closed
        desk writes nothing: its lock is gone and another review may own the file now."""
        with self._lock:
            if not self._closed:
                write_rows(self.out, self.rows())

    def export_jsonl(self, lang: Lang = "zh") -> str:
        """The reviewed rows as JSON Lines, for download."""
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows(lang))

    def export_csv(self, lang: Lang = "zh") -> str:
        """One line per certificate for people and spreadsheets (`evidence.csv_table`)."""
        with self._lock:
            items = list(self._items.values())
        return csv_table([(i.reviewed, i.verified) for i in items], self.matcher, self.today, lang)

    def close(self) -> None:
        """Stop, remove the stored uploads and let another review write the output (the reviewed
        file and the audit stay)."""
        self.stop()
        with self._lock:
            self._closed = True
            if self._uploads is not None:
                shutil.rmtree(self._uploads, ignore_errors=True)
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._lock_file.release()
