"""What a batch run produced, for people and other programs: the summary, a CSV that opens
correctly in Excel and WPS, and an HTML page of the certificates that need a person's attention.

Everything here reads the JSON Lines output a row at a time, so reports cost no more memory for a
million rows than for ten.
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
from typing import Any, Literal

from .fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER, FieldKey, Flag
from .report import flag_text, mask_id

Lang = Literal["zh", "en"]


class Outcome(StrEnum):
    """What a row comes to: a scan row's state, or a verify row's verdict (SPEC.md)."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    CONSISTENT = "consistent"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


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
    },
    "en": {
        Outcome.OK: "reliable",
        Outcome.NEEDS_REVIEW: "needs review",
        Outcome.FAILED: "failed",
        Outcome.CONSISTENT: "consistent",
        Outcome.MISMATCH: "mismatch",
        Outcome.NOT_FOUND: "not found",
        Outcome.INVALID: "invalid",
    },
}

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "certscan 批量处理报告",
        "files": "共{files}个文件，{rows}份证书",
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
        "files": "{files} files, {rows} certificates",
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
    """The outcome of one row: failed, a verify verdict, or whether any field needs review."""
    if row.get("error"):
        return Outcome.FAILED
    verdict = row.get("verdict")
    if verdict:
        return Outcome(verdict)
    reviewed = any(f.get("review") for f in (row.get("fields") or {}).values())
    return Outcome.NEEDS_REVIEW if reviewed else Outcome.OK


def roster_flagged(row: dict[str, Any]) -> bool:
    """Whether the roster disagrees with the certificate, or cannot be compared surely."""
    roster = row.get("roster")
    return bool(roster and (roster.get("disagree") or roster.get("unsure")))


def needs_attention(row: dict[str, Any]) -> bool:
    """Whether a person should look at this row."""
    return outcome(row) not in _FINE or roster_flagged(row)


def fields_in_question(row: dict[str, Any]) -> list[str]:
    """Field keys a person should check on this row, in canonical order: fields marked for
    review, fields that differ from the registry and fields that disagree with the roster."""
    keys = {k for k, f in (row.get("fields") or {}).items() if f.get("review")}
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


# ------------------------------------------------------------------ summary


@dataclass
class BatchSummary:
    """Counts over a whole batch output."""

    files: int = 0
    rows: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    roster_disagree: int = 0
    roster_unsure: int = 0

    @property
    def failed(self) -> int:
        """Rows of files or pages that could not be read."""
        return self.outcomes[Outcome.FAILED]

    @property
    def attention(self) -> int:
        """Rows a person should look at."""
        return sum(n for o, n in self.outcomes.items() if o not in _FINE)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            **{str(o): self.outcomes[o] for o in Outcome if self.outcomes[o] or o in _SCAN_OUTCOMES},
            "roster_disagree": self.roster_disagree,
            "roster_unsure": self.roster_unsure,
        }

    def lines(self, lang: Lang = "zh") -> list[str]:
        """The summary for people: files and certificates, then outcomes, then the roster."""
        text = _TEXT[lang]
        sep = "，" if lang == "zh" else ", "
        counts = [
            f"{_OUTCOME_TEXT[lang][o]}{' ' if lang == 'en' else ''}{self.outcomes[o]}"
            for o in Outcome
            if self.outcomes[o] or o in _SCAN_OUTCOMES
        ]
        out = [text["files"].format(files=self.files, rows=self.rows), sep.join(counts)]
        if self.roster_disagree or self.roster_unsure:
            out.append(text["roster"].format(disagree=self.roster_disagree, unsure=self.roster_unsure))
        return out


_SCAN_OUTCOMES = frozenset({Outcome.OK, Outcome.NEEDS_REVIEW, Outcome.FAILED})


def summarize(path: Path) -> BatchSummary:
    """Count files, rows, outcomes (verdicts when rows carry them) and roster disagreements."""
    summary = BatchSummary()
    files: set[str] = set()
    for row in read_rows(path):
        summary.rows += 1
        files.add(row.get("sha256") or row["file"])
        summary.outcomes[outcome(row)] += 1
        roster = row.get("roster") or {}
        summary.roster_disagree += int(bool(roster.get("disagree")))
        summary.roster_unsure += int(bool(roster.get("unsure")) and not roster.get("disagree"))
    summary.files = len(files)
    return summary


# ------------------------------------------------------------------ CSV


def write_csv(results: Path, path: Path, lang: Lang = "zh") -> int:
    """Write the rows as a CSV for Excel and WPS; returns the number of rows.

    UTF-8 with a byte-order mark (without it Excel takes UTF-8 for the local code page and shows
    Chinese as mojibake), Chinese headers by default, and long digit strings (ID numbers,
    certificate codes) kept as text: Excel would show them as 5.10202E+17 and lose digits.
    """
    labels = FIELD_LABELS_ZH if lang == "zh" else {k: str(k) for k in FieldKey}
    if lang == "zh":
        header = ["文件", "页", "结果", "需复核字段", "错误"]
        header += [labels[k] for k in FIELD_ORDER]
        header += ["花名册姓名", "花名册机构", "与花名册不符", "内容SHA256"]
    else:
        header = ["file", "page", "outcome", "review", "error", *(str(k) for k in FIELD_ORDER)]
        header += ["roster_name", "roster_institution", "roster_disagree", "sha256"]
    sep = "、" if lang == "zh" else ";"
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in read_rows(results):
            fields = row.get("fields") or {}
            roster = row.get("roster") or {}
            review = [k for k in FIELD_ORDER if (fields.get(str(k)) or {}).get("review")]
            error = (row.get("error_zh") if lang == "zh" else None) or row.get("error") or ""
            cells = [row["file"], row.get("page") or "", _OUTCOME_TEXT[lang][outcome(row)]]
            cells += [sep.join(labels[k] for k in review), error]
            cells += [_excel_text((fields.get(str(k)) or {}).get("value")) for k in FIELD_ORDER]
            disagree = [labels[FieldKey(f)] for f in roster.get("disagree") or ()]
            cells += [roster.get("name", ""), roster.get("institution", ""), sep.join(disagree)]
            cells.append(row.get("sha256") or "")
            writer.writerow(cells)
            count += 1
    return count


def _excel_text(value: Any) -> str:
    """A cell value that Excel and WPS show as written."""
    if value is None:
        return ""
    text = str(value)
    if len(text) >= 11 and text[:-1].isdigit():
        return "\t" + text  # a leading tab makes a long number text, and is invisible
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text  # never a formula
    return text


# ------------------------------------------------------------------ HTML


def write_html(
    results: Path, path: Path, thumbs_dir: Path | None, summary: BatchSummary, lang: Lang = "zh"
) -> int:
    """Write the run's HTML report: the summary and a table of the certificates needing attention,
    each with its thumbnail (fields in question outlined) and what to check. ID numbers are
    masked. Thumbnails are embedded, so the page can be mailed on its own. Returns the rows listed."""
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
        for row in read_rows(results):
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
    return sum(1 for row in read_rows(results) if needs_attention(row))


def _html_row(number: int, row: dict[str, Any], thumbs_dir: Path | None, lang: Lang) -> str:
    text = _TEXT[lang]
    esc = html.escape
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    thumb = _thumbnail_tag(row, thumbs_dir, esc(text["no_thumb"]))
    where = esc(row["file"])
    if row.get("page"):
        where += f"<br>{esc(text['page'].format(page=row['page']))}"
    items: list[str] = []
    if row.get("error"):
        items.append(esc((row.get("error_zh") if lang == "zh" else None) or row["error"]))
    fields = row.get("fields") or {}
    for key in fields_in_question(row):
        result = fields.get(key) or {}
        value = result.get("value")
        shown = mask_id(value) if key == FieldKey.ID_NUMBER else value
        flags = [Flag(f) for f in result.get("flags") or () if f != Flag.NORMALIZED]
        reasons = text["sep"].join(flag_text(f, lang) for f in flags)
        items.append(
            f"<b>{esc(labels[FieldKey(key)])}</b> {esc(shown if shown is not None else '—')}"
            + (f" <span class=why>{esc(reasons)}</span>" if reasons else "")
        )
    for diff in row.get("differences") or ():
        items.append(esc(str(diff.get("explanation") or diff)))
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
