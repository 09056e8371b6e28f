"""What a verification means for people, and what to do next (Chinese by default, English on request).

The texts follow how physician registration works in China: the 发证机关 printed on the certificate is
the authority that registered the doctor and can confirm the registration; a change of institution
(变更注册) can take days or weeks to reach the registry; small clinics are where rented and forged
certificates turn up most, so their licensed staff list deserves a look; a confirmed fake is reported
to the health authority, and forging an official document is a matter for the police.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, PICTURE_FLAGS, FieldKey
from ..normalize import normalize_authority
from ..text import Lang, mask_personal
from ..verify import Difference, Kind, Verdict, Verification
from .reading import shown_value, warnings_text


@cache
def _texts() -> dict[str, dict[str, dict[str, str]]]:
    """Explanations and advice in each language, from the data file beside the gazetteer."""
    raw = resources.files("scanner.data").joinpath("verification_texts.json").read_text("utf-8")
    texts: dict[str, dict[str, dict[str, str]]] = json.loads(raw)
    return texts


def _labels(lang: str) -> dict[FieldKey, str]:
    return FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def explanation(v: Verification, d: Difference, lang: str = "zh") -> str:
    """Why a difference matters, in the reader's language."""
    texts = _texts()["explanation"][_lang(lang)]
    text = texts[str(d.kind)].format(code=v.record.value(FieldKey.CERTIFICATE_CODE) or "")
    return mask_personal(text if d.sure else text + texts["unsure"])


def advice(v: Verification, lang: str = "zh") -> list[str]:
    """Concrete next steps for the verdict, naming the authority printed on the certificate; any ID
    number or date a step quotes is masked as the summaries mask them (scanner/text.py)."""
    return [mask_personal(step) for step in _steps(v, lang)]


def _steps(v: Verification, lang: str) -> list[str]:
    t = _texts()["advice"][_lang(lang)]
    sep = "、" if lang == "zh" else ", "
    labels = _labels(lang)
    authority = _authority(v.record.value(FieldKey.AUTHORITY), lang) or t["authority_default"]
    kinds = {d.kind for d in v.differences if d.sure}
    out: list[str] = []
    if v.verdict is None:
        return out
    if v.verdict is Verdict.INVALID:
        checks = sep.join(str(c.check) for c in v.failed_checks)
        out += [
            t["invalid"].format(checks=checks),
            t["invalid_next"].format(authority=authority),
            t["report"],
        ]
    elif v.verdict is Verdict.NEEDS_REVIEW:
        if v.candidates and v.entry is None:
            out.append(t["ambiguous"].format(count=len(v.candidates)))
        if v.doubtful:
            out.append(t["review"].format(fields=sep.join(labels[k] for k in v.doubtful)))
            blamed = _picture_problems(v)
            if blamed:
                said: Lang = "zh" if lang == "zh" else "en"
                out.append(t["retake"].format(problems=warnings_text(blamed, said, v.record)))
        elif not v.candidates:
            out.append(t["no_keys"])
    elif v.verdict is Verdict.NOT_FOUND:
        out += [
            t["check_input"],
            t["not_found_lag"],
            t["not_found_ask"].format(authority=authority),
            t["not_found_registry"].format(registry=v.registry),
            t["not_forged_yet"],
        ]
    elif v.verdict is Verdict.MISMATCH:
        if Kind.IDENTITY_UNDER_CODE in kinds or Kind.PERSONAL in kinds or Kind.CODE in kinds:
            out.append(t["forged"].format(authority=authority))
            for other in v.elsewhere:
                out.append(t["elsewhere"].format(code=other.certificate_code))
        if Kind.INSTITUTION in kinds or Kind.PLACE in kinds or Kind.AUTHORITY in kinds:
            out += [t["moved"].format(authority=authority), t["lag"]]
        if Kind.SCOPE_WIDER in kinds and v.entry and v.entry.scope:
            out.append(t["scope"].format(scope=v.entry.scope))
        rest = [d.field for d in v.differences if d.sure and d.kind not in _COVERED]
        if rest:
            out.append(t["confirm"].format(authority=authority, fields=sep.join(labels[k] for k in rest)))
        if kinds & {Kind.IDENTITY_UNDER_CODE, Kind.PERSONAL, Kind.CODE, Kind.LEVEL, Kind.CATEGORY}:
            out.append(t["report"])
    elif v.verdict is Verdict.CONSISTENT:
        out.append(t["consistent"])
    elif v.verdict is Verdict.WRONG_DOCUMENT:
        out.append(t["wrong_document"])
    if v.other_site and v.entry and v.entry.institution:
        out.append(t["other_site"].format(main=v.entry.institution))
    if v.small_clinic and v.verdict is not Verdict.INVALID:
        out.append(t["small_clinic"])
    return out


def _picture_problems(v: Verification) -> list[str]:
    """The image warnings that touch a field the verdict waits on: glare over the name, the code
    printed too small in the photo."""
    touched = {f for k in v.doubtful for f in v.record.fields[k].flags}
    spoiled = {str(f) for f in PICTURE_FLAGS if f in touched}
    return [warning for warning in v.record.warnings if warning in spoiled]


def _authority(printed: str | None, lang: str) -> str | None:
    """The issuer to contact under today's name, with the printed former name beside it
    (重庆市渝中区卫生局 is today's 重庆市渝中区卫生健康委员会)."""
    if not printed:
        return None
    today = normalize_authority(printed).match
    if not today or today == printed:
        return printed
    return f"{today}（证书上印为{printed}）" if lang == "zh" else f"{today} (printed as {printed})"


# Kinds whose advice is written out above rather than listed under "confirm".
_COVERED = frozenset({Kind.IDENTITY_UNDER_CODE, Kind.PERSONAL, Kind.CODE, Kind.INSTITUTION, Kind.PLACE})


def masked(field: FieldKey, value: str | None) -> str:
    """A field value as people may see it (ID number and birth date masked, see `reading.shown_value`)."""
    if value is None:
        return "—"
    return shown_value(field, value) or value
