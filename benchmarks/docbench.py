"""Booklet benchmark: the documents people hold (both booklet layouts, 资格证书, 职称), scored per layout.

    python -m benchmarks.docbench --count 24 --seed 19 --modes scan,photo,hard

Generates documents with `scanner.synth.generate_documents` (old 卫生部 booklets, today's layout as a
booklet, 医师资格证书 and 专业技术资格证书 pages; one page, one spread or two spreads stacked; some values
under redaction boxes), reads each with certscan and scores it against the generator's truth, per
layout (old_booklet, current, and each document that is no practising certificate) and per mode:

- fields: a field whose truth is a value is right, wrong but marked for review, silently wrong
  (another value, review false) or missing. A field whose truth is null (page not shown, redacted,
  not printed) reported as a value with review false is silently wrong too; values under redaction
  boxes are also counted apart. Institutions are compared as the matcher compares them (a short name
  and the official name agree); names, codes and everything else exactly.
- the document (`document`) and the layout (`layout`) told right, and the warnings that a booklet's
  page is not in the picture (`holder_page_not_shown`, `code_page_not_shown`) given exactly when the
  truth has no value of that page's fields and none redacted.
- change blocks (变更注册记录): a true block is read when some reported block has its item, date and
  value; a reported block with review false that differs from its true block in item, value or date
  is silent; a reported block that exists nowhere in the truth is counted apart (silent unless
  reviewed).
- `current`: each key right, `current.institution` apart. A current value is doubtful, not silent,
  when the field or block it comes from is marked for review, or a block marked for review could
  have set it.
- silent errors as a share of everything judged: every field of every image, the true and invented
  change blocks, and the `current` keys of practising certificates.
- time: median seconds per image of certscan beside two RapidOCR runs on the same loaded image,
  interleaved image by image in one process so the machine's noise falls on all alike.
  `time_ratio`, judged against the issue's 1.3, is against plain RapidOCR: `RapidOCR()` with its
  default settings on the same model files, what `benchmarks.bench` and `benchmarks.batchbench`
  call plain RapidOCR, i.e. what a user running RapidOCR on the picture would wait for.
  `engine_ratio`, reported without a target, is against the RapidOCR engine certscan builds (the
  same models and settings, text looked for at 1280 px at most) called once: certscan's own work
  beyond one OCR pass, which speeding up the engine cannot change.

Prints a table per layout and mode with the issue's targets beside the figures, then each target with
PASS or FAIL; `--json` writes every figure and every silent error (file, what, truth, read).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from scanner.config import ScanConfig
from scanner.fields import (
    CHANGE_TARGETS,
    CODE_PAGE_NOT_SHOWN,
    CURRENT_KEYS,
    FIELD_ORDER,
    PAGE_FIELDS,
    CertificateLayout,
    CertificateRecord,
    Change,
    FieldKey,
)
from scanner.load import load_image
from scanner.normalize.institutions import InstitutionMatcher
from scanner.pipeline import Scanner

T = TypeVar("T")
# The generator's kinds and the group each is scored in (a layout, or the document it is).
GROUP_OF_KIND: dict[str, str] = {
    "old_booklet": "old_booklet",
    "current_booklet": "current",
    "qualification": "qualification",
    "title": "title",
}
BOOKLETS: tuple[str, ...] = ("old_booklet", "current")
KINDS: tuple[str, ...] = tuple(GROUP_OF_KIND)
# Scans and ordinary photos are judged together against the accuracy targets.
EVERYDAY_MODES: tuple[str, ...] = ("scan", "photo")
EVERYDAY = "scan+photo"
# Values that name an institution (the old booklet's 执业地点 does): compared as the matcher compares.
INSTITUTION_KEYS = frozenset({FieldKey.INSTITUTION, FieldKey.PRACTICE_PLACE})
# Parts of a change block compared to tell a right block from a silent one, and further parts judged
# apart (they decide the advice and `current.certificate_code`, not whether the block was read).
BLOCK_PARTS: tuple[str, ...] = ("item", "date", "value")
OTHER_PARTS: tuple[str, ...] = ("authority", "new_code")


# ---------------------------------------------------------------- comparing values


class Judge:
    """Compares a read value with the truth: institutions as the matcher compares them (a short name
    and the official name agree when both are surely known), everything else exactly."""

    def __init__(self, matcher: InstitutionMatcher) -> None:
        self.matcher = matcher

    def same(self, key: str, read: str | None, truth: str | None) -> bool:
        """Whether a value of field `key` (a FieldKey value) agrees with its truth."""
        if read == truth:
            return True
        if read is None or truth is None:
            return False
        if key in INSTITUTION_KEYS:
            return self.matcher.same_institution(read, truth) is True
        return False

    def same_part(self, part: str, read: Change, truth: Mapping[str, Any]) -> bool:
        """Whether one part of a reported change block agrees with the true block."""
        got, want = getattr(read, part), truth.get(part)
        if part == "item":
            return _squash(got) == _squash(want)
        if part == "value":
            return self.same(str(change_target(truth.get("item")) or ""), got, want)
        return bool(got == want)


def _squash(text: str | None) -> str | None:
    return None if text is None else "".join(text.split())


def change_target(item: str | None) -> FieldKey | None:
    """The field a change item sets (主要执业机构变更 → institution), as `current_registration` has it."""
    squashed = _squash(item) or ""
    return next((key for word, key in CHANGE_TARGETS if word in squashed), None)


# ---------------------------------------------------------------- scoring one reading


@dataclass
class Stats:
    """Counts for one group of images (a layout or document, a mode)."""

    images: int = 0
    fields: int = 0  # fields whose truth is a value
    right: int = 0
    reviewed: int = 0  # wrong, marked for review
    silent: int = 0  # wrong, review false
    missing: int = 0
    null_fields: int = 0  # fields whose truth is null
    null_silent: int = 0  # ... reported as a value with review false
    null_reviewed: int = 0  # ... reported as a value marked for review
    illegible: int = 0  # fields whose value the picture lost for any reader (the generator's legibility)
    illegible_reviewed: int = 0
    redacted: int = 0
    redacted_reported: int = 0
    redacted_silent: int = 0
    document_right: int = 0
    layout_right: int = 0
    pages_right: int = 0  # page-not-shown warnings given exactly when due
    blocks: int = 0  # true change blocks shown
    blocks_read: int = 0
    blocks_reviewed: int = 0
    blocks_silent: int = 0
    blocks_missed: int = 0
    blocks_invented: int = 0
    blocks_invented_silent: int = 0
    block_parts_silent: int = 0  # authority or new code silently wrong on a block otherwise read
    current_judged: int = 0
    current_right: int = 0
    current_silent: int = 0
    current_values: int = 0  # current keys whose truth is a value
    current_institution: int = 0
    current_institution_right: int = 0
    ours: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)  # RapidOCR out of the box
    engine: list[float] = field(default_factory=list)  # RapidOCR as certscan sets it up, called once
    wrong_by_field: Counter[str] = field(default_factory=Counter)

    @property
    def judged(self) -> int:
        """Everything a silent error could hide in: every field, every block, every current key."""
        return self.fields + self.null_fields + self.blocks + self.blocks_invented + self.current_judged

    @property
    def silent_total(self) -> int:
        blocks = self.blocks_silent + self.blocks_invented_silent
        return self.silent + self.null_silent + blocks + self.current_silent


# A wrong value with review false: which image, what (a field, change[i].part, current.key), truth, read.
SilentError = dict[str, Any]


def silent_error(file: str, what: str, truth: Any, read: Any) -> SilentError:
    return {"file": file, "what": what, "truth": truth, "read": read}


def score_fields(
    record: CertificateRecord, truth: Mapping[str, Any], judge: Judge, stats: Stats
) -> list[SilentError]:
    """Add the field outcomes of one reading to `stats`; return its silent errors."""
    errors: list[SilentError] = []
    redacted = set(truth.get("redacted") or ())
    for key in FIELD_ORDER:
        result = record.fields.get(key)
        value = result.value if result else None
        review = result.review if result else True
        expected = truth["fields"].get(str(key))
        if str(key) in redacted:
            stats.redacted += 1
            stats.redacted_reported += int(value is not None)
            stats.redacted_silent += int(value is not None and not review)
        if expected is None:
            stats.null_fields += 1
            if value is not None:
                stats.null_reviewed += int(review)
                stats.null_silent += int(not review)
                if not review:
                    errors.append(silent_error(record.file, str(key), None, value))
            continue
        stats.fields += 1
        if not truth.get("legibility", {}).get(str(key), {}).get("legible", True):
            stats.illegible += 1
            stats.illegible_reviewed += int(review)
        if judge.same(str(key), value, expected):
            stats.right += 1
            continue
        stats.wrong_by_field[str(key)] += 1
        if value is None:
            stats.missing += 1
        elif review:
            stats.reviewed += 1
        else:
            stats.silent += 1
            errors.append(silent_error(record.file, str(key), expected, value))
    return errors


def pair_changes(
    read: Sequence[Change], truth: Sequence[Mapping[str, Any]], judge: Judge
) -> list[tuple[int | None, int | None]]:
    """Which reported block is which true block: the pairs that agree on most parts first (nearest in
    order on a tie), then the rest in printed order; a block left over on either side is paired with
    None (a block invented, a block missed)."""
    parts = (*BLOCK_PARTS, "authority")
    agree = {
        (i, j): sum(judge.same_part(p, r, t) for p in parts)
        for i, r in enumerate(read)
        for j, t in enumerate(truth)
    }
    pairs: list[tuple[int | None, int | None]] = []
    free_read, free_truth = set(range(len(read))), set(range(len(truth)))
    for (i, j), n in sorted(agree.items(), key=lambda kv: (-kv[1], abs(kv[0][0] - kv[0][1]), kv[0])):
        if n and i in free_read and j in free_truth:
            pairs.append((i, j))
            free_read.discard(i)
            free_truth.discard(j)
    rest_read, rest_truth = sorted(free_read), sorted(free_truth)
    for k in range(max(len(rest_read), len(rest_truth))):
        pairs.append(
            (rest_read[k] if k < len(rest_read) else None, rest_truth[k] if k < len(rest_truth) else None)
        )
    return sorted(pairs, key=lambda p: (p[1] is None, p[1] or 0, p[0] or 0))


def score_changes(
    record: CertificateRecord, truth: Mapping[str, Any], judge: Judge, stats: Stats
) -> list[SilentError]:
    """Add the change-block outcomes of one reading to `stats`; return its silent errors."""
    errors: list[SilentError] = []
    read, true_blocks = record.changes, list(truth.get("changes") or ())
    stats.blocks += len(true_blocks)
    for t in true_blocks:
        stats.blocks_read += any(all(judge.same_part(p, r, t) for p in BLOCK_PARTS) for r in read)
    for i, j in pair_changes(read, true_blocks, judge):
        if j is None:
            assert i is not None
            stats.blocks_invented += 1
            if not read[i].review:
                stats.blocks_invented_silent += 1
                parts = {p: getattr(read[i], p) for p in (*BLOCK_PARTS, *OTHER_PARTS)}
                errors.append(silent_error(record.file, f"change[{i}] (no such block)", None, parts))
            continue
        if i is None:
            stats.blocks_missed += 1
            continue
        block, want = read[i], true_blocks[j]
        wrong = [p for p in BLOCK_PARTS if not judge.same_part(p, block, want)]
        if wrong:
            if block.review:
                stats.blocks_reviewed += 1
            else:
                stats.blocks_silent += 1
                for part in wrong:
                    errors.append(
                        silent_error(record.file, f"change[{j}].{part}", want.get(part), getattr(block, part))
                    )
            continue
        for part in OTHER_PARTS:
            if not block.review and not judge.same_part(part, block, want):
                stats.block_parts_silent += 1
                errors.append(
                    silent_error(record.file, f"change[{j}].{part}", want.get(part), getattr(block, part))
                )
    return errors


def current_doubt(record: CertificateRecord) -> dict[FieldKey, bool]:
    """Whether each `current` value may be wrong: the field or change block it comes from is marked
    for review, or a block marked for review could have set it (its item names the key, or its item
    is unreadable). Follows `current_registration`: changes in date order, the old booklet's
    执业地点 naming the institution."""
    fields = record.fields
    doubt = {key: (fields[key].review if key in fields else True) for key in CURRENT_KEYS}
    old = record.layout is CertificateLayout.OLD_BOOKLET
    if old and record.value(FieldKey.INSTITUTION) is None:
        doubt[FieldKey.INSTITUTION] = doubt[FieldKey.PRACTICE_PLACE]
    changes = record.changes
    for i in sorted(range(len(changes)), key=lambda i: (changes[i].date is None, changes[i].date or "", i)):
        change = changes[i]
        target = change_target(change.item)
        sets = {target} if target is not None else set(CURRENT_KEYS) - {FieldKey.CERTIFICATE_CODE}
        if old and FieldKey.PRACTICE_PLACE in sets:
            sets.add(FieldKey.INSTITUTION)
        if change.new_code:
            sets.add(FieldKey.CERTIFICATE_CODE)
        if change.review:
            doubt.update(dict.fromkeys(sets, True))
            continue
        if target is not None and change.value:
            doubt.update(dict.fromkeys(sets - {FieldKey.CERTIFICATE_CODE}, False))
        if change.new_code:
            doubt[FieldKey.CERTIFICATE_CODE] = False
    return doubt


def score_current(
    record: CertificateRecord, truth: Mapping[str, Any], judge: Judge, stats: Stats
) -> list[SilentError]:
    """Add the `current` outcomes of one reading to `stats` (practising certificates only)."""
    want = truth.get("current")
    if want is None:
        return []
    errors: list[SilentError] = []
    current = record.current
    doubt = current_doubt(record)
    for key in CURRENT_KEYS:
        expected = want.get(str(key))
        value = current.value(key) if current is not None else None
        stats.current_judged += 1
        right = judge.same(str(key), value, expected)
        stats.current_values += int(expected is not None)
        stats.current_right += int(right and expected is not None)
        if key is FieldKey.INSTITUTION and expected is not None:
            stats.current_institution += 1
            stats.current_institution_right += int(right)
        if not right and value is not None and not doubt[key]:
            stats.current_silent += 1
            errors.append(silent_error(record.file, f"current.{key}", expected, value))
    return errors


def score(
    record: CertificateRecord, truth: Mapping[str, Any], judge: Judge, stats: Stats
) -> list[SilentError]:
    """Add one reading's outcomes to `stats`; `truth` is the generator's JSON for the image."""
    stats.images += 1
    stats.document_right += int(str(record.document) == truth["document"])
    layout = None if record.layout is None else str(record.layout)
    stats.layout_right += int(layout == truth.get("layout"))
    pages = {w for w in record.warnings if w in PAGE_FIELDS}
    stats.pages_right += int(pages == pages_due(truth))
    return [
        *score_fields(record, truth, judge, stats),
        *score_changes(record, truth, judge, stats),
        *score_current(record, truth, judge, stats),
    ]


def pages_due(truth: Mapping[str, Any]) -> set[str]:
    """The page-not-shown warnings a practising certificate's picture should carry: those whose
    fields all have no value in the truth, none of them redacted (the 编码 page: old booklets only)."""
    if truth["document"] != "practising_certificate":
        return set()
    hidden = set(truth.get("redacted") or ())
    return {
        warning
        for warning, keys in PAGE_FIELDS.items()
        if (warning != CODE_PAGE_NOT_SHOWN or truth.get("layout") == "old_booklet")
        and all(truth["fields"].get(str(k)) is None and str(k) not in hidden for k in keys)
    }


# ---------------------------------------------------------------- the figures and their targets


def figures(s: Stats) -> dict[str, Any]:
    """Every figure of one group, as written to JSON (rates None where nothing was judged)."""

    def rate(n: int, d: int) -> float | None:
        return n / d if d else None

    ours = statistics.median(s.ours) if s.ours else None
    plain = statistics.median(s.plain) if s.plain else None
    engine = statistics.median(s.engine) if s.engine else None
    counts = {name: value for name, value in vars(s).items() if isinstance(value, int)}
    return {
        **counts,
        "field_accuracy": rate(s.right, s.fields),
        "illegible_reviewed_rate": rate(s.illegible_reviewed, s.illegible),
        "document_right": rate(s.document_right, s.images),
        "layout_right": rate(s.layout_right, s.images),
        "pages_right": rate(s.pages_right, s.images),
        "change_blocks_read": rate(s.blocks_read, s.blocks),
        "current_right": rate(s.current_right, s.current_values),
        "current_institution_right": rate(s.current_institution_right, s.current_institution),
        "judged": s.judged,
        "silent_errors": s.silent_total,
        "silent_share": rate(s.silent_total, s.judged),
        "seconds_per_image": ours,
        "plain_seconds_per_image": plain,
        "time_ratio": ours / plain if ours is not None and plain else None,
        "engine_seconds_per_image": engine,
        "engine_ratio": ours / engine if ours is not None and engine else None,
        "wrong_by_field": dict(sorted(s.wrong_by_field.items())),
    }


@dataclass(frozen=True)
class Target:
    """One of the issue's targets: a figure, at least (`>=`) or at most (`<=`) a limit, judged on the
    groups of `kinds` (group names: old_booklet, current, qualification, title, all) in `modes`
    ("everyday": scans and ordinary photos together, or the one of them that was run)."""

    metric: str
    op: str
    limit: float
    kinds: tuple[str, ...]
    modes: str

    def met(self, value: float) -> bool:
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def text(self) -> str:
        return f"{self.op} {_shown(self.metric, self.limit, 1)}"


def _shown(metric: str, value: float, digits: int = 3) -> str:
    """A figure as people read it: a share as a percentage, a count as is, a time ratio as 1.30x."""
    if metric.endswith("ratio"):
        return f"{value:.2f}x"
    return f"{value:.{digits}%}" if isinstance(value, float) else str(value)


DOCUMENTS: tuple[str, ...] = tuple(GROUP_OF_KIND.values())
# The "Done when". Telling the document is asked of booklets; it is judged on every kind,
# since a 资格证书 taken for a practising certificate would be looked up as one.
TARGETS: tuple[Target, ...] = (
    Target("field_accuracy", ">=", 0.99, BOOKLETS, "everyday"),
    Target("document_right", ">=", 0.995, DOCUMENTS, "everyday"),
    Target("change_blocks_read", ">=", 0.98, BOOKLETS, "everyday"),
    Target("current_institution_right", ">=", 0.99, BOOKLETS, "everyday"),
    Target("silent_share", "<=", 0.001, DOCUMENTS, "everyday"),
    Target("silent_share", "<=", 0.005, BOOKLETS, "hard"),
    Target("illegible_reviewed_rate", ">=", 1.0, BOOKLETS, "hard"),
    Target("redacted_silent", "<=", 0, ("all",), "all"),
    Target("time_ratio", "<=", 1.3, ("all",), "all"),
)


def everyday_mode(modes: Sequence[str]) -> str | None:
    """The group name of scans and ordinary photos together (or of the one run), None without both."""
    run = [m for m in EVERYDAY_MODES if m in modes]
    return EVERYDAY if len(run) == 2 else (run[0] if run else None)


def judged_targets(groups: Mapping[str, Mapping[str, Any]], modes: Sequence[str]) -> list[dict[str, Any]]:
    """Each target on each group it applies to, with the figure and whether it is met."""
    out = []
    for target in TARGETS:
        mode = everyday_mode(modes) if target.modes == "everyday" else target.modes
        for kind in target.kinds:
            name = f"{kind}/{mode}"
            value = groups.get(name, {}).get(target.metric)
            if value is not None:
                out.append(
                    {
                        "group": name,
                        "metric": target.metric,
                        "target": target.text(),
                        "value": value,
                        "pass": target.met(value),
                    }
                )
    return out


# ---------------------------------------------------------------- running


def groups_of(kind: str, mode: str, modes: Sequence[str]) -> list[str]:
    """The groups an image counts in: its layout or document by mode and with scans and photos
    together, the same over every kind, and all images."""
    names = [f"{GROUP_OF_KIND[kind]}/{mode}", *([f"all/{mode}"] if len(modes) > 1 else [])]
    if mode in EVERYDAY_MODES and everyday_mode(modes) == EVERYDAY:
        names += [f"{GROUP_OF_KIND[kind]}/{EVERYDAY}", f"all/{EVERYDAY}"]
    return [*names, "all/all"]


def document_set(
    out: Path, count: int, seed: int, modes: Sequence[str], kinds: Sequence[str], bilingual: bool = False
) -> list[Path]:
    """The truth files of the set: those already in `out` when every one is there (same seed, and
    from autonomous regions when `bilingual`), else freshly generated (the generator gives the same
    files for the same arguments)."""
    from scanner.synth import generate_documents

    wanted = [
        out / f"{index:04d}_{kinds[index % len(kinds)]}_{mode}.json"
        for index in range(count)
        for mode in modes
    ]
    there = all(p.is_file() and p.with_suffix(".jpg").is_file() for p in wanted)
    if there and all(same_set(json.loads(p.read_text("utf-8")), seed, bilingual) for p in wanted):
        return wanted
    return generate_documents(out, count, seed, modes, kinds, bilingual=bilingual or None)


def same_set(truth: Mapping[str, Any], seed: int, bilingual: bool) -> bool:
    """Whether a truth file already in the folder belongs to the set asked for."""
    if truth.get("seed") != seed:
        return False
    if not bilingual:
        return True  # the generator's own draw: a few booklets come from autonomous regions
    kind = truth.get("kind")
    if kind == "old_booklet":
        return truth.get("script") is not None
    return kind != "current_booklet" or bool(truth.get("other_province"))


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal; a line every ten images in a log."""
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("docbench"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, TextColumn("{task.fields[name]}"), transient=True) as bar:
            task = bar.add_task("images", total=total, name="")
            yield lambda name: bar.update(task, advance=1, name=name)
        return
    done = [0]

    def line(name: str) -> None:
        done[0] += 1
        if done[0] % 10 == 0 or done[0] == total:
            print(f"  docbench: {done[0]}/{total} images ({name})", file=sys.stderr)

    yield line


def plain_rapidocr(config: ScanConfig) -> Callable[[np.ndarray], Any]:
    """RapidOCR out of the box (every setting its default) on the model files certscan reads with,
    reading an RGB image as certscan's engine does (RapidOCR takes BGR)."""
    from rapidocr import RapidOCR

    from scanner.ocr.rapid import BUNDLED_DET, BUNDLED_REC, bundled_models_dir

    bundled = bundled_models_dir()
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "Det.model_path": str(config.det_model or bundled / BUNDLED_DET),
        "Rec.model_path": str(config.rec_model or bundled / BUNDLED_REC),
    }
    if config.rec_keys is not None:
        params["Rec.rec_keys_path"] = str(config.rec_keys)
    engine = RapidOCR(params=params)
    return lambda image: engine(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    """What a call returns, and the seconds it took."""
    started = time.perf_counter()
    return call(), time.perf_counter() - started


def run(
    count: int,
    seed: int,
    modes: Sequence[str],
    kinds: Sequence[str],
    workdir: Path,
    show: Callable[[str], None] | None = None,
    bilingual: bool = False,
) -> dict[str, Any]:
    """Generate (or reuse), read with certscan, with plain RapidOCR (out of the box) and with the
    RapidOCR engine certscan sets up, score; return the figures. `bilingual`: every booklet comes
    from an autonomous region (old booklets in two scripts)."""
    from scanner.ocr import create_engine

    started = time.perf_counter()
    truth_paths = document_set(workdir, count, seed, modes, kinds, bilingual)
    generate_seconds = time.perf_counter() - started
    config = ScanConfig()
    scanner = Scanner(config)
    plain = plain_rapidocr(config)
    engine = create_engine(config)
    judge = Judge(scanner.matcher)
    # Warm all three up so model loading is not timed.
    warm = load_image(truth_paths[0].with_suffix(".jpg"), config.max_pixels).image
    scanner.scan_array(warm, "warm-up")
    plain(warm)
    engine.read(warm)

    stats: dict[str, Stats] = {}
    silent: list[SilentError] = []
    images: list[dict[str, Any]] = []
    for n, truth_path in enumerate(truth_paths):
        truth = json.loads(truth_path.read_text("utf-8"))
        image_path = truth_path.with_suffix(".jpg")
        image = load_image(image_path, config.max_pixels).image
        # Alternate the order of the readers, so none always meets a warm cache.
        others = {"plain": partial(plain, image), "engine": partial(engine.read, image)}
        seconds = {name: _timed(read)[1] for name, read in others.items()} if n % 2 else {}
        record, seconds["ours"] = _timed(partial(scanner.scan_array, image, image_path.name))
        if not n % 2:
            seconds |= {name: _timed(read)[1] for name, read in reversed(others.items())}
        errors: list[SilentError] = []
        for i, group in enumerate(groups_of(truth["kind"], truth["mode"], modes)):
            s = stats.setdefault(group, Stats())
            found = score(record, truth, judge, s)
            if i == 0:  # every group sees the same errors: list them once
                errors = found
            s.ours.append(seconds["ours"])
            s.plain.append(seconds["plain"])
            s.engine.append(seconds["engine"])
        silent += errors
        images.append(
            {
                "file": image_path.name,
                "kind": truth["kind"],
                "mode": truth["mode"],
                "view": truth.get("view"),
                "script": truth.get("script"),
                "document": str(record.document),
                "layout": None if record.layout is None else str(record.layout),
                "changes": len(record.changes),
                "true_changes": len(truth.get("changes") or ()),
                "silent_errors": len(errors),
                "seconds": round(seconds["ours"], 3),
                "plain_seconds": round(seconds["plain"], 3),
                "engine_seconds": round(seconds["engine"], 3),
            }
        )
        if show is not None:
            show(image_path.name)

    groups = {name: figures(stats[name]) for name in sorted(stats, key=_group_order)}
    return {
        "count": count,
        "seed": seed,
        "modes": list(modes),
        "kinds": list(kinds),
        "bilingual": bilingual,
        "generate_seconds": round(generate_seconds, 1),
        "groups": groups,
        "targets": judged_targets(groups, modes),
        "silent_errors": silent,
        "images": images,
    }


def _group_order(group: str) -> tuple[int, int, str]:
    name, mode = group.split("/")
    names = [*DOCUMENTS, "all"]
    modes = ["scan", "photo", EVERYDAY, "hard", "all"]
    return names.index(name), modes.index(mode) if mode in modes else len(modes), mode


# ---------------------------------------------------------------- for people


COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (figure, heading, format)
    ("images", "images", "d"),
    ("field_accuracy", "field acc", "%2"),
    ("silent_share", "silent", "%3"),
    ("document_right", "document", "%1"),
    ("layout_right", "layout", "%1"),
    ("pages_right", "pages", "%1"),
    ("change_blocks_read", "blocks read", "%1"),
    ("current_institution_right", "cur.inst", "%1"),
    ("redacted_silent", "redact.silent", "d"),
    ("seconds_per_image", "s/img", "f2"),
    ("plain_seconds_per_image", "plain s/img", "f2"),
    ("time_ratio", "ratio", "f2"),
    ("engine_seconds_per_image", "engine s/img", "f2"),
    ("engine_ratio", "vs engine", "f2"),
)


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if fmt == "d":
        return str(value)
    if fmt.startswith("%"):
        return f"{value:.{fmt[1]}%}"
    return f"{value:.{fmt[1]}f}"


def render(report: Mapping[str, Any]) -> str:
    """The figures as a table for people, a mark beside each figure a target applies to (✓ met, ✗
    missed), then every target with PASS or FAIL and the silent errors."""
    marks = {(t["group"], t["metric"]): "✓" if t["pass"] else "✗" for t in report["targets"]}
    widths = [max(len(head), 9) + 2 for _, head, _ in COLUMNS]
    head = f"{'layout/mode':<24}" + "".join(f"{h:>{w}}" for (_, h, _), w in zip(COLUMNS, widths, strict=True))
    rows = [
        f"certscan document benchmark: {report['count']} documents, seed {report['seed']}, "
        f"modes {','.join(report['modes'])}, kinds {','.join(report['kinds'])}"
        + (", bilingual booklets (蒙/壮/藏/维)" if report.get("bilingual") else ""),
        head,
    ]
    for group, figs in report["groups"].items():
        cells = []
        for (metric, _, fmt), w in zip(COLUMNS, widths, strict=True):
            text = _cell(figs.get(metric), fmt) + marks.get((group, metric), " ")
            cells.append(f"{text:>{w}}")
        rows.append(f"{group:<24}" + "".join(cells))
    rows.append("targets (issue 19, Done when):")
    for t in report["targets"]:
        shown = _shown(t["metric"], t["value"])
        verdict = "PASS" if t["pass"] else "FAIL"
        rows.append(f"  {verdict}  {t['group']:<24} {t['metric']:<27} {shown:>9}  (target {t['target']})")
    errors = report["silent_errors"]
    rows.append(
        f"silent errors: {len(errors)}" + (" (first 40 below; all in --json)" if len(errors) > 40 else "")
    )
    for e in errors[:40]:
        rows.append(f"  {e['file']}: {e['what']} read {e['read']!r}, truth {e['truth']!r}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.docbench", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=24, help="documents (kinds in turn, each in every mode)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--modes", default="scan,photo,hard", help="comma-separated degradation modes")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma-separated kinds ({', '.join(KINDS)})"
    )
    parser.add_argument("--out", type=Path, help="generate the set here, or reuse it (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write every figure and every silent error here")
    parser.add_argument(
        "--bilingual",
        action="store_true",
        help="every booklet from an autonomous region: old booklets print 蒙/壮/藏/维 beside each label",
    )
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds or args.count < 1:
        parser.error(f"--kinds takes some of {', '.join(KINDS)} and --count at least 1")
    with tempfile.TemporaryDirectory(prefix="certscan-docbench-") as tmp:
        workdir = args.out or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with progress_bar(args.count * len(modes)) as show:
            report = run(args.count, args.seed, modes, kinds, workdir, show, args.bilingual)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
