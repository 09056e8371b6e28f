"""Whether a photo just taken is good enough, and if not exactly what to do, said at once.

The person photographing a certificate on a clinic wall is about to walk away: the page answers
right after the upload whether to take the picture again, and how. The answer comes from what the
reading already knows (the record's warnings and each field's picture flags, `fields.PICTURE_FLAGS`)
and from one look at the flattened page for washed-out patches: a reflection that takes a value away
entirely leaves the field missing, with no patch to measure, so the glare is found on the page and
the missing fields are named beside it.

One ordered table of causes (`CAUSES`), each with its step in both languages. A turned certificate
is said to be fine: it was turned upright, nothing to do. Pure: a record and an optional flat page in,
a `PhotoAdvice` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cv2
import numpy as np

from ..fields import (
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    FIELD_ORDER,
    NO_CERTIFICATE,
    NO_TEXT_FOUND,
    PAGE_FIELDS,
    CertificateLayout,
    CertificateRecord,
    Document,
    FieldKey,
    Flag,
)
from ..text import Lang


class Cause(StrEnum):
    """Why a photo should be taken again (or, for `turned`, why it need not be)."""

    UNREADABLE = "unreadable"
    WRONG_DOCUMENT = "wrong_document"
    NO_CERTIFICATE = "no_certificate"
    PAGE_NOT_SHOWN = "page_not_shown"
    GLARE = "glare"
    PARTLY_OUTSIDE = "partly_outside"
    LOW_RESOLUTION = "low_resolution"
    BLUR = "blur"
    LOW_CONTRAST = "low_contrast"
    DARK = "dark"
    MISSING = "missing"
    TURNED = "turned"


# What to do, by cause, in the order the steps are given (the first is the one that matters most).
# `{fields}` names the fields the cause touched. Causes that need no retake are marked so.
_STEPS: dict[Cause, tuple[str, str]] = {
    Cause.UNREADABLE: ("这张照片无法读取：请重新拍一张。", "This picture cannot be read: take it again."),
    Cause.WRONG_DOCUMENT: (
        "这不是医师执业证书：请拍执业证书本身（写有执业地点、主要执业机构的那一页）。",
        "This is not the practising certificate: photograph the certificate itself (the page with the "
        "practice place and institution).",
    ),
    Cause.NO_CERTIFICATE: (
        "照片里没有找到证书：把整张证书放进取景框，对准后再拍。",
        "No certificate found in the picture: fit the whole certificate in the frame and take it again.",
    ),
    Cause.PAGE_NOT_SHOWN: (
        "照片里缺少印有{fields}的证书页：请把缺少的页也拍下来，几张照片可以合并读取。",
        "The picture lacks the certificate's page with {fields}: photograph it too; the shots can "
        "be read as one.",
    ),
    Cause.GLARE: (
        "反光遮住了{fields}：往旁边站一步，换个角度避开反光再拍。",
        "A reflection covers {fields}: step aside and take it again at an angle that avoids the glare.",
    ),
    Cause.PARTLY_OUTSIDE: (
        "{fields}超出了画面：退后一点，把整张证书拍进来。",
        "{fields} run off the picture: step back a little so the whole certificate is in it.",
    ),
    Cause.LOW_RESOLUTION: (
        "{fields}在照片里太小：走近一些，让证书占满画面再拍。",
        "{fields} printed too small in the picture: move closer so the certificate fills the frame.",
    ),
    Cause.BLUR: (
        "{fields}模糊：拿稳手机，等对焦清楚后再拍。",
        "{fields} blurred: hold the phone still and let it focus before taking it again.",
    ),
    Cause.LOW_CONTRAST: (
        "{fields}字迹太淡：换到光线充足处或打开灯再拍。",
        "{fields} too faint: find better light or switch a light on and take it again.",
    ),
    Cause.DARK: (
        "画面偏暗：打开灯再拍（隔着玻璃时不要用闪光灯，会反光）。",
        "The picture is dark: switch a light on and take it again (no flash through glass: it reflects).",
    ),
    Cause.MISSING: (
        "{fields}没有读到：正对证书、走近一些再拍一张。",
        "{fields} not read: face the certificate squarely, move a little closer and take it again.",
    ),
    Cause.TURNED: (
        "证书在照片里是横着或倒着的：没关系，已自动摆正，不用重拍。",
        "The certificate is turned in the picture: that is fine, it was turned upright; no need to retake.",
    ),
}
_NO_RETAKE = frozenset({Cause.TURNED})
# Picture flags and the cause each stands for, in the order of `CAUSES`.
_FLAG_CAUSES: dict[Flag, Cause] = {
    Flag.GLARE: Cause.GLARE,
    Flag.PARTLY_OUTSIDE: Cause.PARTLY_OUTSIDE,
    Flag.LOW_RESOLUTION: Cause.LOW_RESOLUTION,
    Flag.BLUR: Cause.BLUR,
    Flag.LOW_CONTRAST: Cause.LOW_CONTRAST,
}
CAUSES: tuple[Cause, ...] = tuple(Cause)

_GOOD = (
    "照片清晰，可以用了。",
    "The photo is good enough.",
)
_GOOD_REVIEW = (
    "照片清晰，可以用了；标出的{fields}请对照证书核对。",
    "The photo is good enough; compare the marked {fields} with the certificate.",
)
_RETAKE = ("这张照片需要重拍。", "Take this photo again before you leave.")


@dataclass(frozen=True)
class GlareLimits:
    """When a patch of the flattened page is a reflection (calibrated on generated wall photos)."""

    # The page is looked at this wide (pixels): a reflection has no fine detail.
    width: int = 320
    # A washed-out pixel is this much brighter (0-255) than the paper's typical brightness, and at
    # least `white`: a white scan has no reflection, its paper is that bright everywhere.
    lift: float = 20.0
    white: float = 235.0
    # The paper's typical brightness: this percentile of the page (paper covers most of it).
    paper_percentile: float = 60.0
    # A reflection covers at least this share of the page; smaller bright specks are paper.
    min_area: float = 0.004


@dataclass(frozen=True)
class Step:
    """One thing to do about the photo, and the fields it concerns."""

    cause: Cause
    fields: tuple[FieldKey, ...] = ()

    @property
    def retake(self) -> bool:
        """Whether this step asks for another photo."""
        return self.cause not in _NO_RETAKE

    def text(self, lang: Lang) -> str:
        """The step in the reader's language."""
        zh, en = _STEPS[self.cause]
        template = zh if lang == "zh" else en
        return template.format(fields=_names(self.fields, lang))


@dataclass(frozen=True)
class PhotoAdvice:
    """Whether to take the photo again and how: `steps` in order of importance; `retake` when any
    of them asks for another photo. `review` the fields still to compare with the print."""

    steps: tuple[Step, ...]
    review: tuple[FieldKey, ...] = ()

    @property
    def retake(self) -> bool:
        """Whether the person should take the picture again before walking away."""
        return any(s.retake for s in self.steps)

    def summary(self, lang: Lang) -> str:
        """One sentence: good enough, or take it again."""
        if self.retake:
            return _RETAKE[0 if lang == "zh" else 1]
        if self.review:
            template = _GOOD_REVIEW[0 if lang == "zh" else 1]
            return template.format(fields=_names(self.review, lang))
        return _GOOD[0 if lang == "zh" else 1]

    def to_json(self, lang: Lang) -> dict[str, Any]:
        """For the page: the verdict on the photo, its sentence, and each step with its fields."""
        return {
            "retake": self.retake,
            "summary": self.summary(lang),
            "steps": [
                {
                    "cause": str(s.cause),
                    "retake": s.retake,
                    "fields": [str(k) for k in s.fields],
                    "text": s.text(lang),
                }
                for s in self.steps
            ],
        }


def photo_advice(
    record: CertificateRecord, flat: np.ndarray | None = None, limits: GlareLimits | None = None
) -> PhotoAdvice:
    """What to do about the photo a record was read from. `flat` is the certificate flattened as OCR
    read it (RGB), used to find reflections that took values away; None when not available."""
    if record.error:
        return PhotoAdvice((Step(Cause.UNREADABLE),))
    if NO_CERTIFICATE in record.warnings or NO_TEXT_FOUND in record.warnings:
        return PhotoAdvice((Step(Cause.NO_CERTIFICATE),))
    if record.document is not Document.PRACTISING:
        return PhotoAdvice((Step(Cause.WRONG_DOCUMENT),))
    touched: dict[Cause, list[FieldKey]] = {}
    # The fields on a page not in the picture: nothing in this one took them away.
    unshown = {k for w in record.warnings for k in PAGE_FIELDS.get(w, ())}
    if unshown:
        touched[Cause.PAGE_NOT_SHOWN] = [k for k in FIELD_ORDER if k in unshown and k in _NAMED_OF_PAGES]
    for key in FIELD_ORDER:
        result = record.fields.get(key)
        if result is None or result.confirmed:
            continue
        for flag in result.flags:
            if flag in _FLAG_CAUSES:
                touched.setdefault(_FLAG_CAUSES[flag], []).append(key)
    spots = glare_spots(flat, limits) if flat is not None else []
    if spots:
        glared = touched.setdefault(Cause.GLARE, [])
        # A value the reflection took away entirely was never measured (there was nothing to
        # measure): it is missing. Values read beside a spot were measured, and flagged if spoiled.
        glared += [
            k for k in _expected(record) if record.value(k) is None and k not in glared and k not in unshown
        ]
        if not glared:
            del touched[Cause.GLARE]
    if "dark" in record.warnings:
        touched.setdefault(Cause.DARK, [])
    explained = {k for keys in touched.values() for k in keys} | unshown
    unread = [k for k in _KEYS if k in _expected(record) and record.value(k) is None and k not in explained]
    if unread:
        touched[Cause.MISSING] = unread
    if record.geometry and int(record.geometry.get("rotation") or 0) % 360:
        touched.setdefault(Cause.TURNED, [])
    steps = tuple(Step(c, tuple(k for k in FIELD_ORDER if k in touched[c])) for c in CAUSES if c in touched)
    expected = _expected(record)
    review = tuple(k for k in record.needs_review if k in expected or record.value(k) is not None)
    return PhotoAdvice(steps, review)


# The fields every practising certificate prints (the 医师资格证书编码 only the old booklet does), and
# the keys it is looked up by: one of those not read at all is worth another photo.
_WANTED: tuple[FieldKey, ...] = tuple(k for k in FIELD_ORDER if k is not FieldKey.QUALIFICATION_CODE)
_KEYS: tuple[FieldKey, ...] = (FieldKey.NAME, FieldKey.ID_NUMBER, FieldKey.CERTIFICATE_CODE)
# A page not in the picture is named by these of its fields.
_NAMED_OF_PAGES = frozenset({*_KEYS, FieldKey.AUTHORITY})


def _expected(record: CertificateRecord) -> tuple[FieldKey, ...]:
    """The fields this layout surely prints on the page photographed: all of them on today's
    certificate; on a booklet, whose fields are spread over pages, only the holder's name and ID."""
    if record.layout is CertificateLayout.CURRENT:
        return _WANTED
    return (FieldKey.NAME, FieldKey.ID_NUMBER)


def glare_spots(
    flat: np.ndarray, limits: GlareLimits | None = None
) -> list[tuple[float, float, float, float]]:
    """Washed-out patches of a flattened page (x0, y0, x1, y1 in its pixels): much brighter than the
    paper and near white, smoothed so print inside them does not split them, large enough to be a
    reflection rather than a bright speck."""
    limits = limits or GlareLimits()
    grey = cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY) if flat.ndim == 3 else flat
    h, w = grey.shape[:2]
    if w < 8 or h < 8:
        return []
    scale = limits.width / w
    small = cv2.resize(grey, (limits.width, max(round(h * scale), 1)), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, 5)
    paper = float(np.percentile(small, limits.paper_percentile))
    mask = (small >= max(paper + limits.lift, limits.white)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    least = limits.min_area * small.shape[0] * small.shape[1]
    return [
        (x / scale, y / scale, (x + bw) / scale, (y + bh) / scale)
        for x, y, bw, bh, area in (tuple(int(v) for v in row) for row in stats[1:count])
        if area >= least
    ]


def _names(keys: tuple[FieldKey, ...], lang: Lang) -> str:
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    if not keys:
        return "部分文字" if lang == "zh" else "some of the print"
    return ("、" if lang == "zh" else ", ").join(labels[k] for k in keys)
