"""What the review hands on to people: the evidence sheet for escalation, and the CSV table.

The evidence sheet is one self-contained HTML file (its style inline, its pictures as data: URIs,
nothing fetched, scripts forbidden by its own Content-Security-Policy) that a browser prints to PDF:
the photo, the flattened page with the fields' boxes, what was read and what a person corrected (by
whom, when), the checks, the registry's and the official query's results, the verdict with its
advice, and where to take it (the 发证机关 printed on the certificate, the health authority where the
doctor practises, the police for a forged document). It is made only for verdicts worth escalating.
Every value is escaped, and ID numbers and birth dates are masked as every human output masks them
(scanner/text.py) unless the reviewer asks for the full number for an official report.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..deskew.geometry import map_box
from ..fields import (
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    FIELD_ORDER,
    Document,
    FieldKey,
)
from ..normalize import InstitutionMatcher, normalize_authority
from ..report import check_text, document_text, verdict_text, verification_json
from ..report.reading import shown_value
from ..text import Lang, mask_personal, spreadsheet_cell
from ..verify import Verdict, Verification
from .official import OfficialSummary, compare_official, latest_official, official_view, registered_now
from .session import Action, AuditEntry, ChangePart, ReviewedRecord, ReviewRefused

# Verdicts a person takes further: to the issuing authority, the health authority or the police.
ESCALATE = frozenset({Verdict.MISMATCH, Verdict.NOT_FOUND, Verdict.INVALID, Verdict.WRONG_DOCUMENT})

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "医师执业证书核验证据",
        "made": "生成时间（UTC）：{at}；生成人：{who}",
        "file": "文件：{file}",
        "document": "证件：{document}",
        "sha": "图像 SHA-256：{sha}",
        "masked": "身份证号和出生日期已部分隐去。",
        "full": "应复核人要求显示完整身份证号，用于向主管部门正式报告；此请求已记入复核记录。",
        "verdict": "结论",
        "registry": "登记库核验",
        "no_registry": "尚未在登记库中核验（或核验后又有更正）。",
        "entry": "登记记录：{name}，证书编码 {code}",
        "official": "官方平台查询（国家医师执业注册信息查询）",
        "no_official": "尚未记录官方平台的查询结果。",
        "recorded": "{who}于{at}记录：{found}",
        "found": "查到此医师",
        "not_found": "未查到此医师",
        "shown": "查询显示",
        "differences": "差异",
        "advice": "建议",
        "pictures": "照片",
        "photo": "原始照片",
        "flat": "拉平后的证书（方框为各字段的识别位置，编号见下表）",
        "no_picture": "此证书的图像不可用。",
        "fields": "识别与复核",
        "col_box": "框",
        "col_field": "字段",
        "col_read": "识别结果",
        "col_now": "复核后",
        "col_by": "复核",
        "changes": "变更注册记录",
        "col_item": "变更项目",
        "col_value": "变更为",
        "col_date": "变更日期",
        "col_authority": "批准机关",
        "col_code": "新证书编码",
        "current": "目前的注册（变更后）：{text}",
        "checks": "证书内在检查",
        "checks_ok": "全部通过。",
        "audit": "复核记录",
        "no_audit": "无人工更正或确认。",
        "channels": "向谁反映",
        "channel_authority": "证书上的发证机关：{authority}（核实该证书是否由其签发）",
        "channel_change": "最近一次变更注册的批准机关：{authority}",
        "channel_practice": "医师执业所在地的卫生健康行政部门：{where}（核实其当前注册，反映违规执业）",
        "channel_practice_unknown": "{institution}所在区县的卫生健康委员会（核实其当前注册，反映违规执业）",
        "channel_police": "公安机关：经确认伪造、变造或买卖证件的，涉嫌犯罪，可向公安机关报案。",
        "who_unknown": "未署名",
        "corrected": "更正",
        "confirmed": "确认",
        "official_check": "记录官方查询",
        "full_id_shown": "查看完整身份证号",
        "merged": "合并多张照片识别",
        "empty": "（空）",
        "refused": "证据单只为“不一致”“未找到”“无效”“不是执业证书”的结论生成：请先核验此证书",
        "printed_as": "{today}（证书上印为{printed}）",
    },
    "en": {
        "title": "Evidence: physician practising certificate check",
        "made": "Made (UTC): {at}; by: {who}",
        "file": "File: {file}",
        "document": "Document: {document}",
        "sha": "Image SHA-256: {sha}",
        "masked": "ID numbers and birth dates are partly hidden.",
        "full": "The full ID number is shown at the reviewer's request, for an official report; the "
        "request is in the audit trail.",
        "verdict": "Verdict",
        "registry": "Registry check",
        "no_registry": "Not verified against the registry (or corrected since).",
        "entry": "Registry entry: {name}, certificate code {code}",
        "official": "Official query (national physician registration query)",
        "no_official": "No result of the official query was recorded.",
        "recorded": "Recorded by {who} at {at}: {found}",
        "found": "the doctor was found",
        "not_found": "the doctor was not found",
        "shown": "The query showed",
        "differences": "Differences",
        "advice": "What to do",
        "pictures": "Pictures",
        "photo": "The photo",
        "flat": "The certificate flattened (boxes where each field was read, numbered as in the table)",
        "no_picture": "The picture of this certificate is not available.",
        "fields": "Read and reviewed",
        "col_box": "Box",
        "col_field": "Field",
        "col_read": "As read",
        "col_now": "After review",
        "col_by": "Review",
        "changes": "Change-of-registration record",
        "col_item": "Change",
        "col_value": "New value",
        "col_date": "Date",
        "col_authority": "Approved by",
        "col_code": "New code",
        "current": "Registered now (changes applied): {text}",
        "checks": "Intrinsic checks",
        "checks_ok": "All passed.",
        "audit": "Audit trail",
        "no_audit": "No corrections or confirmations.",
        "channels": "Where to take it",
        "channel_authority": "The issuing authority printed on the certificate: {authority} (did it "
        "issue this certificate?)",
        "channel_change": "The authority that approved the latest change of registration: {authority}",
        "channel_practice": "The health authority where the doctor practises: {where} (the current "
        "registration, practice outside it)",
        "channel_practice_unknown": "The health commission of the district where {institution} is (the "
        "current registration, practice outside it)",
        "channel_police": "The police: forging, altering or trading official documents is a crime; report "
        "a confirmed fake.",
        "who_unknown": "unnamed",
        "corrected": "corrected",
        "confirmed": "confirmed",
        "official_check": "official query recorded",
        "full_id_shown": "full ID number shown",
        "merged": "shots read as one",
        "empty": "(empty)",
        "refused": "an evidence sheet is made only for a mismatch, not found, invalid or wrong-document "
        "verdict: verify the certificate first",
        "printed_as": "{today} (printed as {printed})",
    },
}
# The sentence (English, Chinese) that refuses a sheet for any other verdict.
REFUSED = (_TEXT["en"]["refused"], _TEXT["zh"]["refused"])


def escalated(
    reviewed: ReviewedRecord, verified: Verification | None, matcher: InstitutionMatcher, today: dt.date
) -> tuple[Verdict, ...]:
    """The verdicts worth escalating this certificate has: the registry's (made after the last
    correction), the official query's (the one recorded last), and wrong_document for a picture
    that shows no practising certificate."""
    record = reviewed.record
    found: list[Verdict] = []
    if record.error:
        return ()
    if verified is not None and verified.verdict in ESCALATE:
        found.append(verified.verdict)
    if reviewed.official:
        result = reviewed.official[-1]
        official = compare_official(record, result, matcher, today).verdict if result.values else None
        if not result.found:
            official = Verdict.NOT_FOUND
        if official in ESCALATE:
            found.append(official)
    if record.document is not Document.PRACTISING:
        found.append(Verdict.WRONG_DOCUMENT)
    return tuple(dict.fromkeys(found))


def evidence_sheet(
    reviewed: ReviewedRecord,
    verified: Verification | None,
    photos: Sequence[bytes],
    flat: tuple[bytes, np.ndarray] | None,
    matcher: InstitutionMatcher,
    today: dt.date,
    lang: Lang = "zh",
    full_id: bool = False,
    reviewer: str | None = None,
    at: str | None = None,
) -> str:
    """The evidence sheet as one HTML document. `photos` are the pictures (JPEG) as given, `flat` the
    flattened page (JPEG) with the homography from photo to flat pixels the fields' boxes are moved
    through. ReviewRefused (one sentence) when the certificate has no verdict worth escalating
    (`escalated`)."""
    if not escalated(reviewed, verified, matcher, today):
        raise ReviewRefused(*REFUSED)
    sheet = _Sheet(reviewed, matcher, today, lang, full_id)
    return sheet.render(
        verified, photos, flat, reviewer, at or dt.datetime.now(dt.UTC).isoformat("T", "seconds")
    )


class _Sheet:
    """One evidence sheet being written: the record, the language and whether values are masked."""

    def __init__(
        self,
        reviewed: ReviewedRecord,
        matcher: InstitutionMatcher,
        today: dt.date,
        lang: Lang,
        full_id: bool,
    ) -> None:
        self.reviewed = reviewed
        self.record = reviewed.record
        self.matcher = matcher
        self.today = today
        self.lang = lang
        self.full_id = full_id
        self.t = _TEXT[lang]
        self.labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN

    def show(self, key: FieldKey | None, value: str | None) -> str:
        """A value as this sheet may print it, escaped: masked by the privacy policy unless full."""
        if value is None:
            return _e(self.t["empty"])
        if key is not None and not self.full_id:
            value = shown_value(key, value) or value
        return _e(value)

    def free(self, text: str) -> str:
        """Free text (a check's sentence, advice) escaped, ID numbers and dates in it masked."""
        return _e(text if self.full_id else mask_personal(text))

    def render(
        self,
        verified: Verification | None,
        photos: Sequence[bytes],
        flat: tuple[bytes, np.ndarray] | None,
        reviewer: str | None,
        at: str,
    ) -> str:
        t = self.t
        record = self.record
        file = record.file.replace("\\", "/").rsplit("/", 1)[-1]
        head = [
            f"<h1>{_e(t['title'])}</h1>",
            f"<p class=meta>{_e(t['made'].format(at=at, who=reviewer or t['who_unknown']))}</p>",
            f"<p class=meta>{self.free(t['file'].format(file=file))}</p>",
        ]
        document = document_text(record, self.lang)
        head.append(f"<p class=meta>{_e(t['document'].format(document=document))}</p>")
        if self.reviewed.image_sha256:
            head.append(f"<p class=meta>{_e(t['sha'].format(sha=self.reviewed.image_sha256))}</p>")
        head.append(f"<p class=privacy>{_e(t['full'] if self.full_id else t['masked'])}</p>")
        body = [
            *head,
            self._verdicts(verified),
            self._pictures(photos, flat),
            self._fields(),
            self._changes(),
            self._checks(),
            self._official(),
            self._audit(),
            self._channels(),
        ]
        lang_tag = "zh-CN" if self.lang == "zh" else "en"
        return (
            f"<!DOCTYPE html>\n<html lang={lang_tag}><head><meta charset=utf-8>"
            "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{_e(t['title'])}</title><style>{_css()}</style></head>\n<body>\n"
            + "\n".join(part for part in body if part)
            + "\n</body></html>\n"
        )

    def _verdicts(self, verified: Verification | None) -> str:
        t = self.t
        out = [f"<section class=verdict><h2>{_e(t['registry'])}</h2>"]
        if verified is None or verified.verdict is None:
            if self.record.document is not Document.PRACTISING:
                out.append(f"<p class=verdict-text>{_e(verdict_text(Verdict.WRONG_DOCUMENT, self.lang))}</p>")
            else:
                out.append(f"<p>{_e(t['no_registry'])}</p>")
            return "".join(out) + "</section>"
        data = verification_json(verified, self.lang)
        out.append(f"<p class='verdict-text {_e(str(verified.verdict))}'>")
        out.append(f"{_e(verdict_text(verified.verdict, self.lang))}</p>")
        if verified.entry is not None:
            entry = t["entry"].format(name=verified.entry.name, code=verified.entry.certificate_code)
            out.append(f"<p>{_e(entry)}</p>")
        if verified.differences:
            out.append(self._differences(
                [(d.field, d.certificate, d.registry, shown["explanation"])
                 for d, shown in zip(verified.differences, data["differences"], strict=True)]
            ))  # fmt: skip
        out.append(self._advice(data.get("advice") or []))
        return "".join(out) + "</section>"

    def _differences(self, rows: Iterable[tuple[FieldKey, str | None, str | None, str]]) -> str:
        lines = [
            f"<li><strong>{_e(self.labels[key])}</strong>：「{self.show(key, ours)}」 / "
            f"「{self.show(key, theirs)}」<div class=explanation>{self.free(why)}</div></li>"
            for key, ours, theirs, why in rows
        ]
        return f"<h3>{_e(self.t['differences'])}</h3><ul class=differences>{''.join(lines)}</ul>"

    def _advice(self, steps: Iterable[str]) -> str:
        items = "".join(f"<li>{self.free(step)}</li>" for step in steps)
        return f"<h3>{_e(self.t['advice'])}</h3><ol class=advice>{items}</ol>" if items else ""

    def _pictures(self, photos: Sequence[bytes], flat: tuple[bytes, np.ndarray] | None) -> str:
        t = self.t
        out = [f"<section class=pictures><h2>{_e(t['pictures'])}</h2>"]
        if not photos and flat is None:
            out.append(f"<p>{_e(t['no_picture'])}</p>")
        for photo in photos:
            out.append(
                f"<figure><img alt='' src='{_data_uri(photo)}'><figcaption>{_e(t['photo'])}</figcaption>"
            )
            out.append("</figure>")
        if flat is not None:
            boxed = _with_boxes(flat[0], self._flat_boxes(flat[1]))
            out.append(
                f"<figure><img alt='' src='{_data_uri(boxed)}'><figcaption>{_e(t['flat'])}</figcaption>"
            )
            out.append("</figure>")
        return "".join(out) + "</section>"

    def _flat_boxes(self, matrix: np.ndarray) -> list[tuple[int, tuple[float, float, float, float]]]:
        """Each field's box on the flattened page, numbered by its row in the table."""
        out = []
        for number, key in enumerate(FIELD_ORDER, 1):
            box = self.reviewed.read(key).box if key in self.record.fields else None
            if box is not None:
                out.append((number, map_box((box.x0, box.y0, box.x1, box.y1), matrix)))
        return out

    def _fields(self) -> str:
        t = self.t
        rows = []
        corrections = _last_field_actions(self.reviewed.audit)
        pending = self.reviewed.pending
        for number, key in enumerate(FIELD_ORDER, 1):
            read = self.reviewed.read(key).value if key in self.record.fields else None
            now = self.record.fields.get(key)
            if now is None or (read is None and now.value is None and now.review and key not in pending):
                continue  # not printed on this layout, and nothing read there
            entry = corrections.get(key)
            review = key in pending
            by = self._action(entry) if entry else ("⚠" if review else "")
            state = "review" if review else ("corrected" if entry and read != now.value else "ok")
            rows.append(
                f"<tr class={state}><td>{number}</td><td>{_e(self.labels[key])}</td>"
                f"<td>{self.show(key, read)}</td><td>{self.show(key, now.value)}</td><td>{by}</td></tr>"
            )
        head = "".join(
            f"<th>{_e(t[c])}</th>" for c in ("col_box", "col_field", "col_read", "col_now", "col_by")
        )
        return f"<section><h2>{_e(t['fields'])}</h2><table><tr>{head}</tr>{''.join(rows)}</table></section>"

    def _action(self, entry: AuditEntry) -> str:
        who = entry.reviewer or self.t["who_unknown"]
        return _e(f"{self.t[str(entry.action)]} · {who} · {entry.at}")

    def _changes(self) -> str:
        changes = self.record.changes
        if not changes:
            return ""
        t = self.t
        parts = list(ChangePart)
        cols = ("col_item", "col_value", "col_date", "col_authority", "col_code")
        head = "".join(f"<th>{_e(t[c])}</th>" for c in cols) + f"<th>{_e(t['col_by'])}</th>"
        rows = []
        for i, change in enumerate(changes):
            entries = [e for e in self.reviewed.audit if e.change == i]
            cells = "".join(f"<td>{self.show(None, getattr(change, str(p)))}</td>" for p in parts)
            by = "<br>".join(
                f"{_e(str(e.part))}：{self._action(e)}" for e in entries if e.action is Action.CORRECTED
            ) or ("⚠" if change.review else "")
            rows.append(f"<tr class={'review' if change.review else 'ok'}>{cells}<td>{by}</td></tr>")
        out = f"<section><h2>{_e(t['changes'])}</h2><table><tr>{head}</tr>{''.join(rows)}</table>"
        current = self.record.current
        if current is not None and current.from_change is not None:
            sep = "；" if self.lang == "zh" else "; "
            text = sep.join(f"{self.labels[k]} {v}" for k, v in current.values.items() if v)
            out += f"<p>{_e(t['current'].format(text=text))}</p>"
        return out + "</section>"

    def _checks(self) -> str:
        failed = [c for c in self.record.checks if not c.ok or c.note]
        items = "".join(
            f"<li class={'failed' if not c.ok else 'note'}>"
            f"{_e(check_text(c, self.lang, self.record, masked=not self.full_id))}</li>"
            for c in failed
        )
        body = f"<ul>{items}</ul>" if items else f"<p>{_e(self.t['checks_ok'])}</p>"
        return f"<section><h2>{_e(self.t['checks'])}</h2>{body}</section>"

    def _official(self) -> str:
        t = self.t
        out = [f"<section class=official><h2>{_e(t['official'])}</h2>"]
        if not self.reviewed.official:
            return out[0] + f"<p>{_e(t['no_official'])}</p></section>"
        result = self.reviewed.official[-1]
        view = official_view(self.record, result, self.matcher, self.today, self.lang)
        found = t["found"] if result.found else t["not_found"]
        who = result.reviewer or t["who_unknown"]
        out.append(f"<p>{_e(t['recorded'].format(who=who, at=result.at, found=found))}</p>")
        if result.values:
            shown = "".join(
                f"<li>{_e(self.labels[k])}：{self.show(k, v)}</li>" for k, v in result.values.items()
            )
            out.append(f"<h3>{_e(t['shown'])}</h3><ul>{shown}</ul>")
        if view["text"] and result.found:
            out.append(f"<p class='verdict-text {_e(view['verdict'] or '')}'>{_e(view['text'])}</p>")
        if view["differences"]:
            out.append(self._differences(
                [(FieldKey(d["field"]), d["certificate"], d["official"], d["explanation"])
                 for d in view["differences"]]
            ))  # fmt: skip
        out.append(self._advice(view["advice"]))
        return "".join(out) + "</section>"

    def _audit(self) -> str:
        t = self.t
        items = []
        for e in self.reviewed.audit:
            if e.field is not None:
                label = _e(self.labels[e.field])
            elif e.part is not None:
                label = f"{_e(t['changes'])} #{(e.change or 0) + 1} {_e(str(e.part))}"
            else:
                label = ""
            key = e.field if e.part is None else None
            what = f"{label}：「{self.show(key, e.read)}」→「{self.show(key, e.corrected)}」" if label else ""
            items.append(f"<li>{what} <span class=meta>{self._action(e)}</span></li>")
        body = f"<ol>{''.join(items)}</ol>" if items else f"<p>{_e(t['no_audit'])}</p>"
        return f"<section><h2>{_e(t['audit'])}</h2>{body}</section>"

    def _channels(self) -> str:
        t = self.t
        lines = []
        authority = self.record.value(FieldKey.AUTHORITY)
        if authority:
            lines.append(t["channel_authority"].format(authority=self._authority(authority)))
        current = self.record.current
        if current is not None and current.from_change is not None:
            approved = self.record.changes[current.from_change].authority
            if approved and approved != authority:
                lines.append(t["channel_change"].format(authority=self._authority(approved)))
        institution = registered_now(self.record).value(FieldKey.INSTITUTION)
        if institution:
            district = self._district(institution)
            if district:
                lines.append(t["channel_practice"].format(where=district))
            else:
                lines.append(t["channel_practice_unknown"].format(institution=institution))
        lines.append(t["channel_police"])
        items = "".join(f"<li>{_e(line)}</li>" for line in lines)
        return f"<section class=channels><h2>{_e(t['channels'])}</h2><ul>{items}</ul></section>"

    def _authority(self, printed: str) -> str:
        today = normalize_authority(printed).match
        if not today or today == printed:
            return printed
        return self.t["printed_as"].format(today=today, printed=printed)

    def _district(self, institution: str) -> str | None:
        """The health commission of the district an institution is in, when the gazetteer says."""
        name = self.matcher.match(institution).match
        found = self.matcher.institution(name) if name else None
        if found is None or not found.district:
            return None
        return normalize_authority(f"重庆市{found.district}卫生健康委员会").match


def _last_field_actions(audit: Iterable[AuditEntry]) -> dict[FieldKey, AuditEntry]:
    """The last correction or confirmation of each field."""
    out: dict[FieldKey, AuditEntry] = {}
    for entry in audit:
        if entry.field is not None and entry.action in (Action.CORRECTED, Action.CONFIRMED):
            out[entry.field] = entry
    return out


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _with_boxes(jpeg: bytes, boxes: Sequence[tuple[int, tuple[float, float, float, float]]]) -> bytes:
    """The flattened page with each field's box drawn and numbered."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    draw = ImageDraw.Draw(image)
    size = max(14, image.width // 60)
    font = ImageFont.load_default(size)
    for number, (x0, y0, x1, y1) in boxes:
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), outline=(200, 30, 30), width=max(2, size // 7))
        draw.text((x0, max(0.0, y0 - size - 2)), str(number), fill=(200, 30, 30), font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


@cache
def _css() -> str:
    return resources.files("scanner.review").joinpath("static/evidence.css").read_text("utf-8")


# ------------------------------------------------------------------ the CSV table


def official_cell(summary: OfficialSummary | None, lang: Lang) -> str | None:
    """The official query's result in one cell: the verdict of the comparison (or not found), by
    whom and when."""
    if summary is None:
        return None
    what = summary.verdict or ("found" if summary.found else "not_found")
    who = summary.reviewer or _TEXT[lang]["who_unknown"]
    return f"{what}（{who}，{summary.at}）" if lang == "zh" else f"{what} ({who}, {summary.at})"


def csv_table(
    rows: Iterable[tuple[ReviewedRecord, Verification | None]],
    matcher: InstitutionMatcher,
    today: dt.date,
    lang: Lang,
) -> str:
    """One line per certificate for people and spreadsheets: the values after review, the official
    query's result, what is still to review, what a person corrected, by whom, and the verdict."""
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    head = (
        ["文件", "页", *(labels[k] for k in FIELD_ORDER), "官方查询", "待复核", "人工更正", "复核人", "结论",
         "无法读取"]
        if lang == "zh"
        else ["File", "Page", *(labels[k] for k in FIELD_ORDER), "Official query", "To review", "Corrected",
              "Reviewer", "Verdict", "Unreadable"]
    )  # fmt: skip
    sep = "、" if lang == "zh" else ", "
    change_label = "变更注册记录" if lang == "zh" else "Change record"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Every cell through spreadsheet_cell: no cell a spreadsheet runs as a formula, and ID numbers
    # and codes kept as text (Excel would round an 18-digit ID number).
    writer.writerow([spreadsheet_cell(h) for h in head])
    for reviewed, verified in rows:
        record, audit = reviewed.record, reviewed.audit
        official = latest_official(record, reviewed.official, matcher, today)
        corrected = dict.fromkeys(
            labels[e.field] if e.field is not None else change_label
            for e in audit
            if e.action is Action.CORRECTED
        )
        reviewers = dict.fromkeys(e.reviewer for e in audit if e.reviewer)
        cells = [
            record.file,
            record.page,
            *(record.value(k) for k in FIELD_ORDER),
            official_cell(official, lang),
            sep.join(labels[k] for k in record.needs_review),
            sep.join(corrected),
            sep.join(r for r in reviewers if r),
            str(verified.verdict) if verified and verified.verdict else None,
            record.error_zh if lang == "zh" else record.error,
        ]
        writer.writerow([spreadsheet_cell(c) for c in cells])
    # A byte-order mark lets Excel and WPS open the Chinese text as UTF-8.
    return "\ufeff" + buffer.getvalue()
