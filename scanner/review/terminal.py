"""The review in a terminal: step through the fields marked for review in a results file.

For each field the reviewer sees the value, the raw OCR text and why it was marked, and answers with
Enter (the value is right), a new value, or `-` (the field is not on the certificate). A typed value
that fails a check (an ID number whose check digit is wrong) is shown at once and asked again; Enter
then keeps it as typed. Input and output go through the two callables the caller gives, so the flow
itself never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FieldKey
from ..text import Lang
from .desk import OutputLock, append_audit, audit_path, image_of_row, results_rows, write_rows
from .session import Action, AuditEntry, ReviewedRecord, check_sentence, reasons

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "intro": "{file}：共{rows}份证书，{certs}份有{fields}个字段待复核。"
        "直接回车表示识别正确；输入新值即更正；输入 - 表示证书上没有此项。",
        "none": "{file}：没有待复核的字段。",
        "head": "[{n}/{total}] {file}  {name}",
        "value": "  {label}：{value}",
        "raw": "    识别原文：{raw}    把握：{confidence:.2f}",
        "why": "    原因：{reasons}",
        "failed": "    ⚠ {problems}",
        "again": "    回车保留此值，或重新输入。",
        "prompt": "    正确值",
        "done": "已写入 {out}（{corrected}处更正，{confirmed}处确认；复核记录追加到 {audit}）。",
        "stopped": "已中止：已复核的部分写入 {out}，还有{left}个字段待复核。",
    },
    "en": {
        "intro": "{file}: {rows} certificate(s), {certs} with {fields} field(s) to review. "
        "Enter keeps a value; type a new one to correct it; - means the certificate does not show it.",
        "none": "{file}: no fields to review.",
        "head": "[{n}/{total}] {file}  {name}",
        "value": "  {label}: {value}",
        "raw": "    read as: {raw}    confidence: {confidence:.2f}",
        "why": "    why: {reasons}",
        "failed": "    ⚠ {problems}",
        "again": "    Enter keeps this value, or type it again.",
        "prompt": "    correct value",
        "done": "Wrote {out} ({corrected} corrected, {confirmed} confirmed; audit appended to {audit}).",
        "stopped": "Stopped: what was reviewed is in {out}; {left} field(s) are still to review.",
    },
}


@dataclass(frozen=True)
class TerminalOutcome:
    """What a terminal review did."""

    out: Path
    audit: tuple[AuditEntry, ...]
    left: int
    stopped: bool


def review_in_terminal(
    results: Path,
    out: Path,
    ask: Callable[[str], str | None],
    say: Callable[[str], None],
    *,
    reviewer: str | None = None,
    lang: Lang = "zh",
    today: dt.date | None = None,
) -> TerminalOutcome:
    """Review every field marked for review in `results`, write all rows to `out` and append the
    audit to the file beside it. `ask(prompt)` returns the reviewer's line, or None when input ended
    (the rows reviewed so far are still written). Raises InputError for an unreadable results file
    or an `out` that is the results file itself (the OCR result is never overwritten)."""
    if out.resolve() == results.resolve():
        raise InputError(
            str(out),
            "is the results file itself; the OCR result is never overwritten, name another output",
            "就是识别结果文件本身；识别结果不会被覆盖，请另指定输出文件",
        )
    today = today or dt.date.today()
    lock = OutputLock(out)
    try:
        # An earlier review of these results is carried on, never written away.
        records = _read(out, today) if out.is_file() and out.stat().st_size else []
        known = {(r.record.file, r.record.page) for r in records}
        records += [r for r in _read(results, today) if (r.record.file, r.record.page) not in known]
        return _review(records, results, out, ask, say, reviewer, lang, today)
    finally:
        lock.release()


def _read(path: Path, today: dt.date) -> list[ReviewedRecord]:
    records = []
    for row, where, where_zh in results_rows(path):
        try:
            reviewed = ReviewedRecord.from_row(row, today)
        except ValueError as exc:
            raise InputError(
                path.name, f"{where} is not a certscan record: {exc}", f"{where_zh}不是certscan记录"
            ) from None
        if reviewed.image_sha256 is None:
            reviewed = replace(reviewed, image_sha256=image_of_row(reviewed.record.file, path)[1])
        records.append(reviewed)
    return records


def _review(
    records: list[ReviewedRecord],
    results: Path,
    out: Path,
    ask: Callable[[str], str | None],
    say: Callable[[str], None],
    reviewer: str | None,
    lang: Lang,
    today: dt.date,
) -> TerminalOutcome:
    text = _TEXT[lang]
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    todo = [i for i, r in enumerate(records) if not r.record.error and r.pending]
    fields_todo = sum(len(records[i].pending) for i in todo)
    if not todo:
        say(text["none"].format(file=results))
    else:
        say(text["intro"].format(file=results, rows=len(records), certs=len(todo), fields=fields_todo))
    entries: list[AuditEntry] = []
    stopped = False
    for n, index in enumerate(todo, 1):
        reviewed = records[index]
        record = reviewed.record
        say("")
        say(
            text["head"].format(
                n=n, total=len(todo), file=record.file, name=record.value(FieldKey.NAME) or "—"
            )
        )
        seen: set[FieldKey] = set()
        while not stopped:
            pending = [k for k in reviewed.pending if k not in seen]
            if not pending:
                break
            key = pending[0]
            seen.add(key)
            field, read = reviewed.record.fields[key], reviewed.read(key)
            say(text["value"].format(label=labels[key], value=field.value or "—"))
            say(text["raw"].format(raw=read.raw or "—", confidence=read.confidence))
            why = reasons(reviewed.record, key, lang)
            if why:
                say(text["why"].format(reasons="；".join(why) if lang == "zh" else "; ".join(why)))
            value: str | None = field.value
            while True:
                answer = ask(text["prompt"])
                if answer is None:
                    stopped = True
                    break
                if not answer.strip():
                    break
                value = None if answer.strip() == "-" else answer
                preview = reviewed.preview({key: value}, today)
                problems = [
                    check_sentence(c, lang, preview) for c in preview.checks if not c.ok and key in c.fields
                ]
                if not problems:
                    break
                say(
                    text["failed"].format(
                        problems="；".join(problems) if lang == "zh" else "; ".join(problems)
                    )
                )
                say(text["again"])
            if stopped:
                break
            reviewed, entry = reviewed.apply(key, value, today, reviewer)
            entries.append(entry)
        records[index] = reviewed
        if stopped:
            break
    write_rows(out, [r.to_json() for r in records])
    audit = audit_path(out)
    if entries:
        append_audit(audit, entries)
    left = sum(len(r.pending) for r in records if not r.record.error)
    corrected = sum(e.action is Action.CORRECTED for e in entries)
    if stopped:
        say(text["stopped"].format(out=out, left=left))
    elif todo:
        say(
            text["done"].format(out=out, corrected=corrected, confirmed=len(entries) - corrected, audit=audit)
        )
    return TerminalOutcome(out, tuple(entries), left, stopped)
