"""A verification rendered: the verify object of SPEC.md for programs (`verification_json`) and the
summary for a clerk (`verify_summary`), each in the reader's language. The verification itself
(scanner/verify) holds data only; every sentence about it is written here and in `advice`."""

from __future__ import annotations

from typing import Any

from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH
from ..text import Lang
from ..verify import MatchedBy, Verdict, Verification
from .advice import advice, explanation, masked
from .reading import heading, summary

_VERDICT_TEXT: dict[Lang, dict[Verdict, str]] = {
    "zh": {
        Verdict.CONSISTENT: "✔ 一致：登记中有此医师，各项相符",
        Verdict.MISMATCH: "✘ 不一致：登记中有此证书或医师，但信息不同",
        Verdict.NOT_FOUND: "？ 未找到：登记中没有相符的记录",
        Verdict.INVALID: "✘ 无效：证书未通过内在检查",
        Verdict.NEEDS_REVIEW: "⚠ 需人工复核：识别把握不足，暂不下结论",
        Verdict.WRONG_DOCUMENT: "✘ 不是执业证书：图中没有医师执业证书",
    },
    "en": {
        Verdict.CONSISTENT: "✔ consistent: the registry holds this doctor and every field agrees",
        Verdict.MISMATCH: "✘ mismatch: the registry holds this certificate or doctor, but fields differ",
        Verdict.NOT_FOUND: "? not found: nothing in the registry matches",
        Verdict.INVALID: "✘ invalid: the certificate fails intrinsic checks",
        Verdict.NEEDS_REVIEW: "⚠ needs review: readings too unsure to decide",
        Verdict.WRONG_DOCUMENT: "✘ wrong document: the picture holds no practising certificate",
    },
}

_MATCHED_TEXT: dict[Lang, dict[MatchedBy, str]] = {
    "zh": {
        MatchedBy.CODE_AND_NAME: "按证书编码和姓名",
        MatchedBy.CODE: "按证书编码（登记姓名不同）",
        MatchedBy.NAME_AND_ID: "按姓名和身份证号",
        MatchedBy.NAME_AND_INSTITUTION: "按姓名和执业机构",
    },
    "en": {
        MatchedBy.CODE_AND_NAME: "by certificate code and name",
        MatchedBy.CODE: "by certificate code (registered name differs)",
        MatchedBy.NAME_AND_ID: "by name and ID number",
        MatchedBy.NAME_AND_INSTITUTION: "by name and institution",
    },
}

_VERIFY_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "verdict": "结论：{verdict}",
        "found": "登记记录：{name}，证书编码 {code}（{how}，{registry}）",
        "differences": "差异：",
        "difference": "{label}：证书为「{ours}」，登记为「{theirs}」",
        "advice": "建议：",
        "reading": "识别结果：",
    },
    "en": {
        "verdict": "Verdict: {verdict}",
        "found": "Registry entry: {name}, certificate code {code} ({how}, {registry})",
        "differences": "Differences:",
        "difference": "{label}: certificate “{ours}”, registry “{theirs}”",
        "advice": "What to do:",
        "reading": "As read:",
    },
}


def verdict_text(verdict: str, lang: Lang = "zh") -> str:
    """A verdict as the summary heads it (✔ 一致：登记中有此医师，各项相符); `verdict` is a `Verdict`
    or its value as the JSON holds it."""
    return _VERDICT_TEXT[lang][Verdict(verdict)]


def verification_json(verification: Verification, lang: str = "zh") -> dict[str, Any]:
    """SPEC.md's verify object: the scan row plus verdict, registry record, differences, advice."""
    v = verification
    out = v.record.to_json()
    if v.record.error:
        out["verdict"] = None
        return out
    out["verdict"] = str(v.verdict) if v.verdict else None
    out["registry"] = v.registry
    out["matched_by"] = str(v.matched_by) if v.matched_by else None
    out["registry_record"] = v.entry.to_json() if v.entry else None
    out["differences"] = [
        {
            "field": str(d.field),
            "certificate": d.certificate,
            "registry": d.registry,
            "explanation": explanation(v, d, lang),
            "sure": d.sure,
            "kind": str(d.kind),
            # The change block (index into `changes`) the certificate's value comes from, or null.
            "change": d.change,
        }
        for d in v.differences
    ]
    out["review_fields"] = [str(k) for k in v.doubtful]
    if v.doubtful_changes:
        out["review_changes"] = list(v.doubtful_changes)
    if v.candidates:
        out["candidates"] = [c.to_json() for c in v.candidates]
    if v.elsewhere:
        out["registered_elsewhere"] = [c.to_json() for c in v.elsewhere]
    out["advice"] = advice(v, lang)
    return out


def verify_summary(verification: Verification, lang: Lang = "zh") -> str:
    """A verification for a clerk: the verdict first, then differences, advice and the reading."""
    record = verification.record
    if record.error or verification.verdict is None:
        return summary(record, lang)
    text = _VERIFY_TEXT[lang]
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    title = heading(record, lang)
    lines = [title, "  " + text["verdict"].format(verdict=_VERDICT_TEXT[lang][verification.verdict])]
    entry = verification.entry
    if entry is not None and verification.matched_by is not None:
        how = _MATCHED_TEXT[lang][verification.matched_by]
        found = text["found"].format(
            name=entry.name, code=entry.certificate_code, how=how, registry=verification.registry
        )
        lines.append("  " + found)
    if verification.differences:
        lines.append("  " + text["differences"])
        for d in verification.differences:
            ours, theirs = masked(d.field, d.certificate), masked(d.field, d.registry)
            lines.append("    " + text["difference"].format(label=labels[d.field], ours=ours, theirs=theirs))
            lines.append("      " + explanation(verification, d, lang))
    steps = advice(verification, lang)
    if steps:
        lines.append("  " + text["advice"])
        lines += [f"    {i}. {step}" for i, step in enumerate(steps, 1)]
    lines.append("  " + text["reading"])
    lines += ["  " + line for line in summary(record, lang).rstrip("\n").split("\n")[1:]]
    return "\n".join(lines) + "\n"
