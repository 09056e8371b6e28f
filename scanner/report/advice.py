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

from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, PAGE_FIELDS, PICTURE_FLAGS, Change, FieldKey
from ..normalize import normalize_authority
from ..text import Lang, mask_personal
from ..verify import Difference, Kind, Verdict, Verification
from .reading import shown_value, warning_text, warnings_text


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
    """Why a difference matters, in the reader's language; a value taken from the booklet's change
    record says which change, and a registry still holding the value from before it is registry lag.
    A change's date is no personal data and is shown whole; anything else quoted is masked."""
    texts = {**_texts()["explanation"][_lang(lang)], **_BOOKLET[_lang(lang)]}
    change = v.record.changes[d.change] if d.change is not None else None
    if d.kind is Kind.REGISTRY_LAG and change is not None:
        words = _change_words(change, lang)
        if d.field is FieldKey.CERTIFICATE_CODE and change.new_code:
            words["value"] = change.new_code  # the 新证书编码 the change gave
        text = texts["registry_lag"].format(**words, theirs=mask_personal(d.registry or "—"))
    else:
        text = mask_personal(texts[str(d.kind)].format(code=v.record.value(FieldKey.CERTIFICATE_CODE) or ""))
        if change is not None:
            text += texts["from_change"].format(**_change_words(change, lang))
    return text if d.sure else text + texts["unsure"]


def _contact_words(change: Change, lang: str) -> dict[str, str]:
    """A change block's parts for advice: the 批准机关 to contact under today's name, with the name
    printed in the change record beside it (重庆市沙坪坝区卫生局 is today's …卫生健康委员会)."""
    words = _change_words(change, lang)
    contact = _authority(change.authority, lang)
    if contact:
        words["authority"] = mask_personal(contact)
    return words


class _Said(str):
    """A step already masked where it needs to be (it quotes a change's date, which is no personal
    data): `advice` leaves it as it is."""

    __slots__ = ()


def _change_words(change: Change, lang: str) -> dict[str, str]:
    """A change block's parts for a sentence (an unread part as a dash)."""
    unknown = "（未识别）" if lang == "zh" else "(not read)"
    return {
        "date": change.date or unknown,
        "item": mask_personal(change.item or unknown),
        "value": mask_personal(change.value or change.new_code or unknown),
        "authority": mask_personal(change.authority or unknown),
    }


def advice(v: Verification, lang: str = "zh") -> list[str]:
    """Concrete next steps for the verdict, naming the authority printed on the certificate; any ID
    number or date a step quotes is masked as the summaries mask them (scanner/text.py)."""
    return [str(step) if isinstance(step, _Said) else mask_personal(step) for step in _steps(v, lang)]


def _steps(v: Verification, lang: str) -> list[str]:
    t = {**_texts()["advice"][_lang(lang)], **_BOOKLET[_lang(lang)]}
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
        # A page not photographed comes first: reviewing cannot bring back what is not there.
        said: Lang = "zh" if lang == "zh" else "en"
        out += [warning_text(w, said, v.record) for w in v.record.warnings if w in PAGE_FIELDS]
        if v.candidates and v.entry is None:
            out.append(t["ambiguous"].format(count=len(v.candidates)))
        for i in v.doubtful_changes:
            change = v.record.changes[i]
            out.append(_Said(t["review_change"].format(number=i + 1, **_change_words(change, lang))))
        if v.doubtful:
            out.append(t["review"].format(fields=sep.join(labels[k] for k in v.doubtful)))
            blamed = _picture_problems(v)
            if blamed:
                out.append(t["retake"].format(problems=warnings_text(blamed, said, v.record)))
        elif not v.candidates:
            out.append(t["no_keys"])
    elif v.verdict is Verdict.NOT_FOUND:
        out += [
            t["check_input"],
            t["not_found_lag"],
            t["not_found_ask"].format(authority=authority),
        ]
        newest = _newest_change(v)
        if newest is not None and newest.authority:
            out.append(_Said(t["not_found_change"].format(**_contact_words(newest, lang))))
        out += [t["not_found_registry"].format(registry=v.registry), t["not_forged_yet"]]
    elif v.verdict is Verdict.MISMATCH:
        if Kind.IDENTITY_UNDER_CODE in kinds or Kind.PERSONAL in kinds or Kind.CODE in kinds:
            out.append(t["forged"].format(authority=authority))
            for other in v.elsewhere:
                out.append(t["elsewhere"].format(code=other.certificate_code))
        if Kind.INSTITUTION in kinds or Kind.PLACE in kinds or Kind.AUTHORITY in kinds:
            out += [t["moved"].format(authority=authority), t["lag"]]
        lagging = sorted(
            {
                d.change
                for d in v.differences
                if d.sure and d.kind is Kind.REGISTRY_LAG and d.change is not None
            },
            key=lambda i: (v.record.changes[i].date or "9999", i),
        )
        for i in lagging:
            out.append(_Said(t["registry_lag_advice"].format(**_contact_words(v.record.changes[i], lang))))
        # A change read in doubt may explain a difference too (the verdict rests on a sure one): it
        # is checked against the booklet first, then confirmed with its 批准机关 like the others.
        unsure = sorted(
            {
                d.change
                for d in v.differences
                if not d.sure and d.kind is Kind.REGISTRY_LAG and d.change is not None
            }
            - set(lagging),
            key=lambda i: (v.record.changes[i].date or "9999", i),
        )
        for i in unsure:
            change = v.record.changes[i]
            out.append(_Said(t["lag_unsure"].format(number=i + 1, **_change_words(change, lang))))
            out.append(_Said(t["registry_lag_advice"].format(**_contact_words(change, lang))))
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
        out.append(t.get(f"wrong_{v.record.document}", t["wrong_document"]))
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


def _newest_change(v: Verification) -> Change | None:
    """The booklet's newest change block that set its current registration, if any."""
    current = v.record.current
    if current is None or current.from_change is None:
        return None
    return v.record.changes[current.from_change]


# Kinds whose advice is written out above rather than listed under "confirm".
_COVERED = frozenset(
    {Kind.IDENTITY_UNDER_CODE, Kind.PERSONAL, Kind.CODE, Kind.INSTITUTION, Kind.PLACE, Kind.REGISTRY_LAG}
)

# What booklets add: their change record (变更注册记录) and the documents that are no practising
# certificate. A 医师资格证书 proves the licensing exam was passed, a 职称 certificate a professional
# title: neither registers a doctor to practise (the manual procedure checks the 医师执业证书).
_BOOKLET: dict[str, dict[str, str]] = {
    "zh": {
        "registry_lag": "证书的变更注册记录显示，{date}经{authority}批准{item}为「{value}」；"
        "登记中仍是变更前的「{theirs}」：这次变更尚未进入登记（登记更新可能滞后数天至数周）。",
        "registry_lag_advice": "请向批准这次变更的{authority}确认此医师当前的注册"
        "（{date}，{item}为「{value}」），或请医师出示这次变更注册的批准材料；登记更新后可再查一次。",
        "from_change": "（证书上的值取自{date}的变更注册记录：{item}，批准机关{authority}。）",
        "qualification_code": "医师资格证书编码不同：同一医师的资格证书编码不会改变，"
        "可能是登记录入错误或证书被改动，须向发证机关核实。",
        "review_change": "第{number}条变更注册记录（{date}，{item}）识别把握不足，会影响结论："
        "请对照原件复核后再核验。",
        "lag_unsure": "第{number}条变更注册记录（{date}，{item}）识别把握不足，请先对照原件复核。",
        "not_found_change": "证书的变更注册记录中最近一次变更（{date}，{item}）由{authority}批准："
        "也可向其核实当前注册。",
        "wrong_qualification_certificate": "这是医师资格证书，不是医师执业证书："
        "它只证明持有人通过了医师资格考试，不证明已注册执业。请索取医师执业证书（连同变更注册记录页）再核验。",
        "wrong_title_certificate": "这是专业技术资格证书（职称证书），不是医师执业证书："
        "它说明持有人的职称（如主治医师），不证明已注册执业。请索取医师执业证书再核验。",
        "wrong_id_card": "这是身份证件，不是医师执业证书：它可用来核对持证人本人，但不证明已注册执业。"
        "请索取医师执业证书再核验。",
    },
    "en": {
        "registry_lag": "The booklet's change record shows {item} to “{value}” approved by {authority} on "
        "{date}; the registry still holds the value from before (“{theirs}”): the change has not reached "
        "the registry yet (registries can lag a change by days or weeks).",
        "registry_lag_advice": "Confirm the doctor's current registration with {authority}, which approved "
        "the change of {date} ({item} to “{value}”), or ask the doctor for the approval of that change; "
        "check the registry again once it has caught up.",
        "from_change": " (The certificate's value comes from its change record: {item} of {date}, approved "
        "by {authority}.)",
        "qualification_code": "Different qualification certificate code: a doctor's qualification code "
        "never changes, so this is a data-entry error in the registry or an altered certificate; confirm "
        "with the issuing authority.",
        "review_change": "Change record entry {number} ({date}, {item}) was read without enough certainty "
        "and decides the verdict: check it against the original, then verify again.",
        "lag_unsure": "Change record entry {number} ({date}, {item}) was read without enough certainty: "
        "check it against the original first.",
        "not_found_change": "The newest change in the booklet's change record ({date}, {item}) was "
        "approved by {authority}: it can confirm the current registration too.",
        "wrong_qualification_certificate": "This is a physician qualification certificate (医师资格证书), "
        "not a practising certificate: it proves the holder passed the licensing exam, not that they are "
        "registered to practise. Ask for the practising certificate (医师执业证书), with its change-record "
        "pages, and verify that.",
        "wrong_title_certificate": "This is a professional title certificate (专业技术资格证书, 职称), not a "
        "practising certificate: it states a title such as attending physician, not a registration to "
        "practise. Ask for the practising certificate (医师执业证书) and verify that.",
        "wrong_id_card": "This is an identity card, not a practising certificate: it helps check who the "
        "bearer is, but proves no registration to practise. Ask for the practising certificate "
        "(医师执业证书) and verify that.",
    },
}


def masked(field: FieldKey, value: str | None) -> str:
    """A field value as people may see it (ID number and birth date masked, see `reading.shown_value`)."""
    if value is None:
        return "—"
    return shown_value(field, value) or value
