"""What a batch run produced, for people and other programs: the summary, a CSV that opens
correctly in Excel and WPS, and an HTML page of the certificates that need a person's attention.

Everything here reads the JSON Lines output a row at a time, so reports cost no more memory for a
million rows than for ten (the rows superseded by a later reading are found in a first pass that
keeps only error rows in memory).

Privacy (see `text`): the CSV is machine output the user asked for and holds every value whole,
with every cell safe for a spreadsheet; the HTML report is for people and may be mailed, so ID
numbers, birth dates and every sentence quoting them are masked there, and the thumbnails have
both fields blacked out.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER, FieldKey, Flag
from ..report import flag_text
from ..text import (
    Lang,
    mask_birth_date,
    mask_id,
    mask_id_numbers,
    mask_personal,
    redact_url,
    spreadsheet_cell,
)
from .booklets import (
    booklet_items,
    change_cells,
    change_label,
    changes_of,
    is_practising,
    reviewed,
    reviewed_keys,
)


class Outcome(StrEnum):
    """What a row comes to: a scan row's state, or a verify row's verdict (SPEC.md)."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    CONSISTENT = "consistent"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    WRONG_DOCUMENT = "wrong_document"


# Outcomes that need nobody's attention.
_FINE = frozenset({Outcome.OK, Outcome.CONSISTENT})

_OUTCOME_TEXT: dict[Lang, dict[Outcome, str]] = {
    "zh": {
        Outcome.OK: "可靠",
        Outcome.NEEDS_REVIEW: "需复核",
        Outcome.FAILED: "读取失败",
        Outcome.CONSISTENT: "一致",
        Outcome.MISMATCH: "不一致",
        Outcome.NOT_FOUND: "未查到",
        Outcome.INVALID: "无效",
        Outcome.WRONG_DOCUMENT: "不是执业证书",
    },
    "en": {
        Outcome.OK: "reliable",
        Outcome.NEEDS_REVIEW: "needs review",
        Outcome.FAILED: "failed",
        Outcome.CONSISTENT: "consistent",
        Outcome.MISMATCH: "mismatch",
        Outcome.NOT_FOUND: "not found",
        Outcome.INVALID: "invalid",
        Outcome.WRONG_DOCUMENT: "not a practising certificate",
    },
}

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "certscan 批量处理报告",
        "files": "共{files}个文件{same}，{rows}份证书（PDF或TIFF的每一页算一份）",
        "same": "（其中{n}个与其他文件内容相同）",
        "reading": "识别：可靠{ok}份，需复核{review}份，读取失败{failed}份",
        "verifying": "核验（登记库 {registry}）：{counts}",
        "verifying_bare": "核验：{counts}",
        "unverified": "识别不确定、无法判定{n}份",
        "no_answer": "登记库未答复{n}份",
        "count": "{what}{n}份",
        "roster": "与花名册不符{disagree}份，无法确认{unsure}份",
        "attention": "需要关注的证书（{n}份）",
        "none": "没有需要关注的证书。",
        "thumb": "缩略图",
        "file": "文件",
        "outcome": "结果",
        "what": "需要核对的内容",
        "page": "第{page}页",
        "roster_line": "花名册：姓名 {name}，机构 {institution}",
        "roster_disagree": "与证书不符：{fields}",
        "roster_unsure": "无法确认：{fields}",
        "no_thumb": "无图像",
        "sep": "、",
    },
    "en": {
        "title": "certscan batch report",
        "files": "{files} files{same}, {rows} certificates (each page of a PDF or TIFF is one)",
        "same": " ({n} with the same content as another file)",
        "reading": "Reading: {ok} reliable, {review} need review, {failed} could not be read",
        "verifying": "Registry ({registry}): {counts}",
        "verifying_bare": "Registry: {counts}",
        "unverified": "{n} undecided (reading unsure)",
        "no_answer": "{n} not answered by the registry",
        "count": "{n} {what}",
        "roster": "{disagree} disagree with the roster, {unsure} cannot be compared surely",
        "attention": "Certificates needing attention ({n})",
        "none": "No certificate needs attention.",
        "thumb": "Thumbnail",
        "file": "File",
        "outcome": "Outcome",
        "what": "What to check",
        "page": "page {page}",
        "roster_line": "Roster: name {name}, institution {institution}",
        "roster_disagree": "disagrees with the certificate: {fields}",
        "roster_unsure": "cannot be compared surely: {fields}",
        "no_thumb": "no image",
        "sep": ", ",
    },
}


# ------------------------------------------------------------------ rows


def outcome(row: dict[str, Any]) -> Outcome:
    """The outcome of one row: failed, a verify verdict, another document than a practising
    certificate, or whether any field or change block needs review."""
    if row.get("error"):
        return Outcome.FAILED
    verdict = row.get("verdict")
    if verdict:
        return Outcome(verdict)
    if not is_practising(row):
        return Outcome.WRONG_DOCUMENT
    return Outcome.NEEDS_REVIEW if reviewed(row) else Outcome.OK


def roster_flagged(row: dict[str, Any]) -> bool:
    """Whether the roster disagrees with the certificate, or cannot be compared surely."""
    roster = row.get("roster")
    return bool(roster and (roster.get("disagree") or roster.get("unsure")))


def needs_attention(row: dict[str, Any]) -> bool:
    """Whether a person should look at this row."""
    return outcome(row) not in _FINE or roster_flagged(row)


def fields_in_question(row: dict[str, Any]) -> list[str]:
    """Field keys a person should check on this row, in canonical order: fields marked for
    review (of those the document prints), fields that differ from the registry and fields that
    disagree with the roster."""
    keys = set(reviewed_keys(row))
    keys.update(d.get("field") for d in row.get("differences") or ())
    roster = row.get("roster") or {}
    keys.update(roster.get("disagree") or ())
    keys.update(roster.get("unsure") or ())
    return [str(k) for k in FIELD_ORDER if str(k) in keys]


def thumbnail_name(sha256: str, page: int | None) -> str:
    """The file name of a row's thumbnail (one per file content and page)."""
    return f"{sha256[:32]}-{page or 0}.jpg"


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a batch output, one at a time (a torn last line of a killed run is skipped)."""
    with path.open("rb") as fh:
        for line in fh:
            if line.endswith(b"\n") and line.strip():
                yield json.loads(line)


def current_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows that still stand, in order: an error row is superseded by a later row of the same
    file and page (a rerun read the file again), or by a later good reading of the same content
    (the file was renamed since). Two copies of a file that fail both stay: each is a file of its
    own. The results file itself is never rewritten; this is how every report reads it."""
    superseded = _superseded(path)
    for number, row in enumerate(read_rows(path)):
        if number not in superseded:
            yield row


def _superseded(path: Path) -> set[int]:
    by_name: dict[str, dict[int | None, int]] = {}
    by_content: dict[str, dict[int | None, list[int]]] = {}
    superseded: set[int] = set()

    def drop(errors: dict[int | None, Any] | None, page: int | None) -> None:
        if not errors:
            return
        # A whole-file row stands for every page, a page's row also for a whole-file error.
        for key in list(errors) if page is None else [page, None]:
            found = errors.pop(key, None)
            if found is not None:
                superseded.update(found if isinstance(found, list) else [found])

    for number, row in enumerate(read_rows(path)):
        name, sha, page = str(row.get("file")), row.get("sha256"), row.get("page")
        drop(by_name.get(name), page)
        if sha and not row.get("error"):
            drop(by_content.get(sha), page)
        if row.get("error"):
            by_name.setdefault(name, {})[page] = number
            if sha:
                by_content.setdefault(sha, {}).setdefault(page, []).append(number)
    return superseded


# ------------------------------------------------------------------ summary


class Reading(StrEnum):
    """How surely a certificate was read, whatever the registry says of it."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


def reading(row: dict[str, Any]) -> Reading:
    """Whether a row could not be read, has a field marked for review, or was read surely."""
    if row.get("error"):
        return Reading.FAILED
    return Reading.NEEDS_REVIEW if reviewed(row) else Reading.OK


# Verdicts in the order the summary gives them; the first three are always given once any row was verified.
_VERDICTS = (
    Outcome.CONSISTENT,
    Outcome.MISMATCH,
    Outcome.NOT_FOUND,
    Outcome.INVALID,
    Outcome.WRONG_DOCUMENT,
)


@dataclass
class BatchSummary:
    """Counts over a whole batch output (its current rows: see `current_rows`).

    Every certificate (row) is counted once by how it was read (`readings`: reliable, needs
    review, failed, adding up to `rows`); with a registry, every row read is also counted once
    by its verdict (`verdicts`, where needs_review means the reading was too unsure to decide),
    or as not answered when the registry failed for it.
    """

    files: int = 0
    # Files whose content another file of the output already has.
    same_content: int = 0
    rows: int = 0
    readings: Counter[Reading] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0
    roster_disagree: int = 0
    roster_unsure: int = 0
    # Where the rows were verified, as it may be shown (no credentials).
    registry: str | None = None

    @property
    def failed(self) -> int:
        """Rows of files or pages that could not be read."""
        return self.readings[Reading.FAILED]

    @property
    def verified(self) -> bool:
        """Whether any row went to a registry."""
        return bool(self.verdicts or self.unanswered)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "files": self.files,
            "same_content": self.same_content,
            "rows": self.rows,
            **{str(r): self.readings[r] for r in Reading},
        }
        if self.verified:
            out["verdicts"] = {str(v): self.verdicts[str(v)] for v in (*_VERDICTS, "needs_review")}
            out["registry_unanswered"] = self.unanswered
        out.update(roster_disagree=self.roster_disagree, roster_unsure=self.roster_unsure)
        return out

    def lines(self, lang: Lang = "zh") -> list[str]:
        """The summary for people: files and certificates, how they were read, the registry's
        verdicts, then the roster."""
        text = _TEXT[lang]
        sep = "，" if lang == "zh" else ", "
        same = text["same"].format(n=self.same_content) if self.same_content else ""
        out = [
            text["files"].format(files=self.files, same=same, rows=self.rows),
            text["reading"].format(
                ok=self.readings[Reading.OK],
                review=self.readings[Reading.NEEDS_REVIEW],
                failed=self.readings[Reading.FAILED],
            ),
        ]
        if self.verified:
            counts = [
                text["count"].format(what=_OUTCOME_TEXT[lang][v], n=self.verdicts[str(v)])
                for v in _VERDICTS
                if self.verdicts[str(v)] or v in _ALWAYS_SHOWN
            ]
            if self.verdicts["needs_review"]:
                counts.append(text["unverified"].format(n=self.verdicts["needs_review"]))
            if self.unanswered:
                counts.append(text["no_answer"].format(n=self.unanswered))
            key = "verifying" if self.registry else "verifying_bare"
            out.append(text[key].format(registry=self.registry, counts=sep.join(counts)))
        if self.roster_disagree or self.roster_unsure:
            out.append(text["roster"].format(disagree=self.roster_disagree, unsure=self.roster_unsure))
        return out


_ALWAYS_SHOWN = frozenset({Outcome.CONSISTENT, Outcome.MISMATCH, Outcome.NOT_FOUND})


def summarize(path: Path, registry: str | None = None) -> BatchSummary:
    """Count files, rows, how they were read, verdicts when rows carry them, and roster
    disagreements. `registry` names where the rows were verified (shown without credentials)."""
    summary = BatchSummary(registry=redact_url(registry) if registry else None)
    names: set[str] = set()
    contents: set[str] = set()
    for row in current_rows(path):
        summary.rows += 1
        names.add(str(row["file"]))
        contents.add(row.get("sha256") or str(row["file"]))
        summary.readings[reading(row)] += 1
        if row.get("error") is None and "verdict" in row:
            if row["verdict"]:
                summary.verdicts[str(row["verdict"])] += 1
            else:
                summary.unanswered += 1
        roster = row.get("roster") or {}
        summary.roster_disagree += int(bool(roster.get("disagree")))
        summary.roster_unsure += int(bool(roster.get("unsure")) and not roster.get("disagree"))
    summary.files = len(names)
    summary.same_content = max(0, len(names) - len(contents))
    return summary


# ------------------------------------------------------------------ CSV


def write_csv(results: Path, path: Path, lang: Lang = "zh") -> int:
    """Write the rows as a CSV for Excel and WPS; returns the number of rows.

    UTF-8 with a byte-order mark (without it Excel takes UTF-8 for the local code page and shows
    Chinese as mojibake), Chinese headers by default. Every cell goes through
    `text.spreadsheet_cell`: long digit strings (ID numbers, certificate codes) stay text (Excel
    would show 5.10202E+17 and lose digits), and nothing a file name, a roster or a certificate
    holds can start a formula. Rows superseded by a later reading are left out.
    """
    labels = FIELD_LABELS_ZH if lang == "zh" else {k: str(k) for k in FieldKey}
    if lang == "zh":
        header = ["文件", "页", "结果", "需复核字段", "错误"]
        header += [labels[k] for k in FIELD_ORDER]
        header += ["证件", "版式", "变更次数", "最近变更", "当前执业机构"]
        header += ["花名册姓名", "花名册机构", "与花名册不符", "内容SHA256"]
    else:
        header = ["file", "page", "outcome", "review", "error", *(str(k) for k in FIELD_ORDER)]
        header += ["document", "layout", "changes", "newest_change", "current_institution"]
        header += ["roster_name", "roster_institution", "roster_disagree", "sha256"]
    sep = "、" if lang == "zh" else ";"
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([spreadsheet_cell(h) for h in header])
        for row in current_rows(results):
            fields = row.get("fields") or {}
            roster = row.get("roster") or {}
            asked = set(reviewed_keys(row))
            review = [labels[k] for k in FIELD_ORDER if str(k) in asked]
            review += [change_label(i, lang) for i, c in enumerate(changes_of(row), 1) if c.get("review")]
            error = (row.get("error_zh") if lang == "zh" else None) or row.get("error") or ""
            cells: list[object] = [row["file"], row.get("page"), _OUTCOME_TEXT[lang][outcome(row)]]
            cells += [sep.join(review), error]
            cells += [(fields.get(str(k)) or {}).get("value") for k in FIELD_ORDER]
            cells += change_cells(row, lang)
            disagree = [labels[FieldKey(f)] for f in roster.get("disagree") or ()]
            cells += [roster.get("name"), roster.get("institution"), sep.join(disagree)]
            cells.append(row.get("sha256"))
            writer.writerow([spreadsheet_cell(c) for c in cells])
            count += 1
    return count


# ------------------------------------------------------------------ HTML


def write_html(
    results: Path, path: Path, thumbs_dir: Path | None, summary: BatchSummary, lang: Lang = "zh"
) -> int:
    """Write the run's HTML report: the summary and a table of the certificates needing attention,
    each with its thumbnail (fields in question outlined) and what to check. ID numbers, birth
    dates and sentences quoting them are masked (`text.mask_personal`), and the thumbnails show
    neither. Thumbnails are embedded, so the page can be mailed on its own. Returns the rows listed."""
    text = _TEXT[lang]
    esc = html.escape
    listed = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(_HTML_HEAD.format(lang="zh-CN" if lang == "zh" else "en", title=esc(text["title"])))
        fh.write(f"<h1>{esc(text['title'])}</h1>\n<p class=summary>")
        fh.write("<br>".join(esc(line) for line in summary.lines(lang)))
        fh.write("</p>\n")
        fh.write(f"<h2>{esc(text['attention'].format(n=_attention_rows(results)))}</h2>\n")
        fh.write(
            f"<table>\n<tr><th>#</th><th>{esc(text['thumb'])}</th><th>{esc(text['file'])}</th>"
            f"<th>{esc(text['outcome'])}</th><th>{esc(text['what'])}</th></tr>\n"
        )
        for row in current_rows(results):
            if not needs_attention(row):
                continue
            listed += 1
            fh.write(_html_row(listed, row, thumbs_dir, lang))
        fh.write("</table>\n")
        if not listed:
            fh.write(f"<p>{esc(text['none'])}</p>\n")
        fh.write("</body></html>\n")
    return listed


def _attention_rows(results: Path) -> int:
    return sum(1 for row in current_rows(results) if needs_attention(row))


def _html_row(number: int, row: dict[str, Any], thumbs_dir: Path | None, lang: Lang) -> str:
    text = _TEXT[lang]
    esc = html.escape
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    thumb = _thumbnail_tag(row, thumbs_dir, esc(text["no_thumb"]))
    where = esc(mask_id_numbers(str(row["file"])))
    if row.get("page"):
        where += f"<br>{esc(text['page'].format(page=row['page']))}"
    items: list[str] = []
    if row.get("error"):
        items.append(esc(mask_personal((row.get("error_zh") if lang == "zh" else None) or row["error"])))
    fields = row.get("fields") or {}
    for key in fields_in_question(row):
        result = fields.get(key) or {}
        shown = _shown_value(key, result.get("value"))
        flags = [Flag(f) for f in result.get("flags") or () if f != Flag.NORMALIZED]
        reasons = text["sep"].join(flag_text(f, lang) for f in flags)
        items.append(
            f"<b>{esc(labels[FieldKey(key)])}</b> {esc(shown if shown is not None else '—')}"
            + (f" <span class=why>{esc(reasons)}</span>" if reasons else "")
        )
    items += booklet_items(row, lang)
    for diff in row.get("differences") or ():
        items.append(esc(mask_personal(str(diff.get("explanation") or diff))))
    roster = row.get("roster")
    if roster and roster_flagged(row):
        line = text["roster_line"].format(
            name=roster.get("name") or "—", institution=roster.get("institution") or "—"
        )
        for key, label in (("disagree", "roster_disagree"), ("unsure", "roster_unsure")):
            if roster.get(key):
                named = text["sep"].join(labels[FieldKey(f)] for f in roster[key])
                line += "；" if lang == "zh" else "; "
                line += text[label].format(fields=named)
        items.append(f"<span class=roster>{esc(line)}</span>")
    kind = outcome(row)
    badge = f"<span class='badge {kind}'>{esc(_OUTCOME_TEXT[lang][kind])}</span>"
    listing = "".join(f"<li>{item}</li>" for item in items)
    cells = (str(number), thumb, where, badge, f"<ul>{listing}</ul>")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n"


def _shown_value(key: str, value: Any) -> str | None:
    """A field's value as the report may show it."""
    if value is None:
        return None
    if key == FieldKey.ID_NUMBER:
        return mask_id(str(value))
    if key == FieldKey.BIRTH_DATE:
        return mask_birth_date(str(value))
    return mask_personal(str(value))


def _thumbnail_tag(row: dict[str, Any], thumbs_dir: Path | None, missing: str) -> str:
    sha = row.get("sha256")
    if thumbs_dir is None or not sha:
        return missing
    path = thumbs_dir / thumbnail_name(sha, row.get("page"))
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return missing
    return f"<img src='data:image/jpeg;base64,{data}' alt='' loading=lazy>"


_HTML_HEAD = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: 6px 8px; vertical-align: top; text-align: left; }}
th {{ background: #f3f3f3; }}
img {{ max-width: 360px; max-height: 360px; }}
ul {{ margin: 0; padding-left: 1.2em; }}
.summary {{ font-size: 1.1em; line-height: 1.6; }}
.why {{ color: #b00; }}
.roster {{ color: #7a4b00; }}
.badge {{ padding: 2px 6px; border-radius: 4px; background: #fde9c8; white-space: nowrap; }}
.badge.failed, .badge.mismatch, .badge.invalid {{ background: #f8d0d0; }}
</style></head><body>
"""
