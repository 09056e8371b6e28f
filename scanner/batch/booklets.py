"""What batch rows say of the document they read: the kind of document, the layout, the change
record and the registration it leads to, for the summary counts, the CSV and the HTML report.

Rows are the JSON objects of the results file; rows written before documents were told apart carry
no `document`, `layout`, `changes` or `current`, and are practising certificates of today's layout.
"""

from __future__ import annotations

import html
from typing import Any

from ..fields import Document, FieldKey, Flag
from ..report import flag_text, not_printed
from ..text import Lang, mask_id_numbers

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "document": "证件：",
        "layout": "版式：",
        "changes_count": "；变更注册{n}次",
        "newest": "，最近：{change}",
        "now_at": "；当前执业机构：{institution}",
        "change_n": "变更注册记录第{n}条",
        "sep": "、",
    },
    "en": {
        "document": "Document:",
        "layout": "Layout:",
        "changes_count": "; {n} change(s) of registration",
        "newest": ", newest: {change}",
        "now_at": "; registered now at: {institution}",
        "change_n": "change record entry {n}",
        "sep": ", ",
    },
}


def is_practising(row: dict[str, Any]) -> bool:
    """Whether a row is of a practising certificate (rows written before documents were told apart
    are)."""
    return str(row.get("document") or Document.PRACTISING) == Document.PRACTISING


def reviewed(row: dict[str, Any]) -> bool:
    """Whether a field the document prints, or a change block, is marked for review (a field the
    layout does not print, left empty, is not)."""
    return bool(reviewed_keys(row)) or any(c.get("review") for c in changes_of(row))


def reviewed_keys(row: dict[str, Any]) -> list[str]:
    """The keys of the fields marked for review that the document prints (or that hold a value)."""
    unprinted = {str(k) for k in not_printed(row.get("document"), row.get("layout"))}
    fields = row.get("fields") or {}
    return [
        k for k, f in fields.items() if f.get("review") and (k not in unprinted or f.get("value") is not None)
    ]


def changes_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A row's change blocks (none for a row written before they were read)."""
    return [c for c in row.get("changes") or () if isinstance(c, dict)]


def newest_change(row: dict[str, Any]) -> dict[str, Any] | None:
    """A row's newest change block (the latest date; an undated one only when none is dated)."""
    changes = changes_of(row)
    if not changes:
        return None
    return max(
        enumerate(changes), key=lambda p: (p[1].get("date") is not None, p[1].get("date") or "", p[0])
    )[1]


def current_institution(row: dict[str, Any]) -> str | None:
    """Where the certificate says the doctor is registered now: `current.institution`, or the
    printed 主要执业机构 of a row written before `current` was."""
    current = row.get("current")
    if isinstance(current, dict):
        return current.get("institution")
    if "current" in row:  # null: no practising certificate
        return None
    return ((row.get("fields") or {}).get(str(FieldKey.INSTITUTION)) or {}).get("value")


def change_label(number: int, lang: Lang) -> str:
    """A change block as a review list names it (变更注册记录第2条)."""
    return _TEXT[lang]["change_n"].format(n=number)


def change_cells(row: dict[str, Any], lang: Lang) -> list[object]:
    """The CSV cells of what a row shows: document, layout, how many change blocks, the newest
    one, and the institution the doctor is registered at now (blank for a row that failed)."""
    if row.get("error"):
        return ["", "", "", "", ""]
    document = str(row.get("document") or Document.PRACTISING)
    layout = row.get("layout") if "document" in row else "current"
    newest = newest_change(row)
    return [
        _DOCUMENT_NAMES[lang].get(document, document),
        _LAYOUT_NAMES[lang].get(str(layout), "") if layout else "",
        len(changes_of(row)) if is_practising(row) else "",
        change_text(newest, lang) if newest else "",
        current_institution(row) if is_practising(row) else "",
    ]


def change_text(change: dict[str, Any], lang: Lang) -> str:
    """One change block in a line: date, item, new value, 批准机关 (and the new code)."""
    dash = "—"
    value = change.get("value") or change.get("new_code") or dash
    date, item, authority = (change.get(k) or dash for k in ("date", "item", "authority"))
    if lang == "zh":
        return f"{date} {item}：{value}（{authority}）"
    return f"{date} {item}: {value} ({authority})"


_DOCUMENT_NAMES: dict[Lang, dict[str, str]] = {
    "zh": {
        "practising_certificate": "医师执业证书",
        "qualification_certificate": "医师资格证书",
        "title_certificate": "专业技术资格证书（职称）",
        "id_card": "身份证件",
        "other": "其他文件",
    },
    "en": {str(d): str(d) for d in Document},
}
_LAYOUT_NAMES: dict[Lang, dict[str, str]] = {
    "zh": {"old_booklet": "旧版卫生部证书本", "current": "现行版式"},
    "en": {"old_booklet": "old_booklet", "current": "current"},
}


def booklet_items(row: dict[str, Any], lang: Lang) -> list[str]:
    """What the HTML report says of the document: what it is when no practising certificate, else
    its layout, change blocks (those marked for review with why) and current institution. Change
    dates are no personal data; ID-like numbers are masked all the same."""
    if row.get("error"):
        return []
    text, esc = _TEXT[lang], html.escape
    document = str(row.get("document") or Document.PRACTISING)
    if not is_practising(row):
        return [f"<b>{esc(text['document'])}</b> {esc(_DOCUMENT_NAMES[lang].get(document, document))}"]
    changes = changes_of(row)
    layout = str(row.get("layout") or "")
    if not changes and layout != "old_booklet":
        return []
    line = f"<b>{esc(text['layout'])}</b> {esc(_LAYOUT_NAMES[lang].get(layout, layout or '—'))}"
    line += esc(text["changes_count"].format(n=len(changes)))
    newest = newest_change(row)
    if newest:
        line += esc(text["newest"].format(change=mask_id_numbers(change_text(newest, lang))))
    line += esc(text["now_at"].format(institution=current_institution(row) or "—"))
    items = [line]
    for number, change in enumerate(changes, 1):
        if change.get("review"):
            flags = [Flag(f) for f in change.get("flags") or () if f in _FLAG_VALUES and f != Flag.NORMALIZED]
            reasons = text["sep"].join(flag_text(f, lang) for f in flags)
            shown = mask_id_numbers(change_text(change, lang))
            items.append(
                f"<b>{esc(change_label(number, lang))}</b> {esc(shown)}"
                + (f" <span class=why>{esc(reasons)}</span>" if reasons else "")
            )
    return items


_FLAG_VALUES = frozenset(str(f) for f in Flag)
