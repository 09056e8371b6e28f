"""What a picture shows: which document (`Document`) and, for a practising certificate, which layout.

HR files hold the 医师执业证书 (the old 卫生部 booklet or the current layout) beside the 医师资格证书,
the 专业技术资格证书 (职称) and identity cards. Each prints its own title, preamble and labels; a
picture is told by weighing all of them (`MARKERS`), never by one word: a practising certificate
shares 姓名, 证书编码 and 发证机关 with a 资格证书, and its scope (外科专业) holds the 专业 a 资格证书
prints as a label. A long marker is found with one character misread; a short one (学历, 类别) only
where a label stands, at the start of a stretch of text.

The page's text is read in segments: rows rebuilt from the OCR lines (`layout.build_rows`), cut at
wide gaps, so the two pages of a spread and their labels and values stay apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..fields import (
    CODE_PAGE_NOT_SHOWN,
    PAGE_FIELDS,
    CertificateLayout,
    Change,
    Document,
    FieldKey,
    FieldResult,
)
from ..ocr.base import OcrLine
from .labels import TABLES, Form
from .layout import Row, Run, build_rows, page_skew, tokens_of

# Segments of a row are cut where the gap between characters is wider than this many heights.
_SEGMENT_GAP = 2.6


@dataclass(frozen=True)
class Marker:
    """One piece of evidence: printed text, the document it speaks for and how strongly, and what it
    says about a practising certificate's layout (`layout`, with `layout_weight`)."""

    text: str
    document: Document | None
    weight: float
    layout: CertificateLayout | None = None
    layout_weight: float = 0.0
    # Text that, following the marker, makes it another one (医师资格 before 证书 is a title).
    not_before: tuple[str, ...] = ()
    # Text that, before the marker, makes it another one (执业医师资格 is what a 资格证书 grants).
    not_after: tuple[str, ...] = ()

    @property
    def short(self) -> bool:
        """A short marker (a two- or three-character label) counts only where a segment starts."""
        return len(self.text) < 4


_P, _Q, _T, _I = Document.PRACTISING, Document.QUALIFICATION, Document.TITLE, Document.ID_CARD
_OLD, _NEW = CertificateLayout.OLD_BOOKLET, CertificateLayout.CURRENT

MARKERS: tuple[Marker, ...] = (
    # The practising certificate: its title, the old booklet's preamble, its labels, its change record.
    Marker("医师执业证书", _P, 4.0),
    # 执业医师法 with its last character misread is the 执业医师资格 a 资格证书 grants.
    Marker("执业医师法", _P, 2.0, _OLD, 2.0, not_before=("格",)),
    Marker("予以注册", _P, 2.0, _OLD, 2.0),
    Marker("执业类别", _P, 1.0),
    Marker("执业范围", _P, 1.0),
    Marker("执业地点", _P, 1.0),
    Marker("变更注册记录", _P, 3.0),
    Marker("变更项目", _P, 1.0),
    Marker("变更日期", _P, 1.0),
    Marker("批准机关", _P, 1.0),
    Marker("新证书编码", _P, 1.0),
    Marker("医师资格", _P, 2.0, _OLD, 3.0, not_before=("证", "考", "书"), not_after=("执业", "助理")),
    Marker("编码", _P, 1.0, _OLD, 2.0),
    Marker("签发人", None, 0.0, _OLD, 1.0),
    Marker("医师级别", _P, 2.0, _NEW, 3.0),
    Marker("主要执业机构", _P, 2.0, _NEW, 3.0),
    # The 医师资格证书.
    Marker("医师资格证书", _Q, 4.0),
    Marker("资格考试合格", _Q, 3.0),
    Marker("医师资格考试", _Q, 3.0),  # the preamble's start, when its line wraps before 合格
    Marker("学历", _Q, 1.0),
    Marker("毕业学校", _Q, 1.5),
    Marker("专业", _Q, 1.0),
    Marker("类别", _Q, 1.0),
    # The 专业技术资格证书 (职称).
    Marker("专业技术资格证书", _T, 4.0),
    Marker("专业技术", _T, 2.0),
    Marker("资格名称", _T, 1.5),
    Marker("管理号", _T, 1.5),
    Marker("工作单位", _T, 1.0),
    Marker("批准日期", _T, 1.0),
    # The identity card.
    Marker("居民身份证", _I, 4.0),
    Marker("公民身份号码", _I, 1.0),
    Marker("住址", _I, 1.0),
    Marker("民族", _I, 1.0),
    Marker("有效期限", _I, 1.5),
    Marker("签发机关", _I, 1.0),
)

# The markers of a 变更注册记录 page: its title, and its labels.
CHANGE_TITLE = "变更注册记录"
CHANGE_MARKERS = frozenset({CHANGE_TITLE, "变更项目", "变更日期", "批准机关", "新证书编码"})

# Another document is named only with at least this much evidence, and this much more than the
# practising certificate has: one word never turns a practising certificate into something else.
MIN_EVIDENCE = 2.5
MARGIN = 1.5


@dataclass(frozen=True)
class Identified:
    """What a picture was found to show, and the evidence weighed."""

    document: Document
    layout: CertificateLayout | None
    scores: dict[Document, float]
    layout_scores: dict[CertificateLayout, float]
    # The picture shows a 变更注册记录 page (its title or labels were read).
    change_pages: bool = False

    @property
    def form(self) -> Form:
        """Whose labels to read the page by."""
        if self.document is Document.PRACTISING:
            return Form.OLD_BOOKLET if self.layout is CertificateLayout.OLD_BOOKLET else Form.CURRENT
        return {
            Document.QUALIFICATION: Form.QUALIFICATION,
            Document.TITLE: Form.TITLE,
            Document.ID_CARD: Form.ID_CARD,
        }.get(self.document, Form.CURRENT)


def segments(lines: Sequence[OcrLine]) -> list[str]:
    """The page's text in segments: its rows cut at wide gaps, in simplified half-width characters."""
    rows = build_rows(tokens_of(lines, page_skew(lines)))
    return [text for row in rows for text in _row_segments(row)]


def _row_segments(row: Row) -> Iterable[str]:
    current: list[str] = []
    last_x1: float | None = None
    for tok in row.tokens:
        if last_x1 is not None and tok.x0 - last_x1 > _SEGMENT_GAP * row.h and current:
            yield "".join(current)
            current = []
        current.append(tok.text)
        last_x1 = tok.x1
    if current:
        yield "".join(current)


def _found(marker: Marker, segment: str) -> bool:
    """Whether a segment shows the marker: a short one where the segment starts, a long one anywhere
    with at most one character misread; not when what follows or precedes makes it another
    marker."""
    text = marker.text
    if marker.short:
        return segment.startswith(text) and not segment[len(text) :].startswith(marker.not_before)
    n = len(text)
    if len(set(text).difference(segment)) > 1:
        return False  # a window with one character misread holds all the others
    for i in range(max(len(segment) - n + 1, 0)):
        window = segment[i : i + n]
        slips = [j for j, (a, b) in enumerate(zip(window, text, strict=True)) if a != b]
        if len(slips) > (0 if n < 4 else 1) or segment[i + n :].startswith(marker.not_before):
            continue
        if marker.not_after and segment[:i].endswith(marker.not_after):
            continue
        if slips and _holds_label(text[: slips[0]] + "|" + text[slips[0] + 1 :], text):
            # 新证书编码 with 新 misread (1证书编码) is 证书编码 read right: no change page.
            continue
        return True
    return False


@cache
def _long_labels() -> frozenset[str]:
    """Every printed label of four characters or more, of every form."""
    return frozenset(label for table in TABLES.values() for label in table.owner if len(label) >= 4)


def _holds_label(text: str, marker: str) -> bool:
    """Whether text holds a long printed label whole, other than the marker itself."""
    return any(label != marker and label in text for label in _long_labels())


def identify(
    lines: Sequence[OcrLine],
    changes: Sequence[Change] = (),
    labelled: bool = False,
    change_page: bool = False,
) -> Identified:
    """The document a picture shows and, for a practising certificate, its layout.

    Every marker found counts once. A practising certificate is named unless another document has
    at least MIN_EVIDENCE and MARGIN more; with no evidence at all, a page with some certificate
    label on it (`labelled`: 姓名, 身份证号 …) or with change blocks is a practising certificate, and
    anything else `other`. The layout is the one its markers favour; a page that shows none (a change
    page alone) is told by its change blocks (`layout_from_changes`), and is None when they do not
    tell it either. `change_page`: the lines of a change page were read apart from `lines`.
    """
    texts = segments(lines)
    seen = [m for m in MARKERS if any(_found(m, s) for s in texts)]
    scores = {d: 0.0 for d in Document}
    layout_scores = {lay: 0.0 for lay in CertificateLayout}
    for marker in seen:
        if marker.document is not None:
            scores[marker.document] += marker.weight
        if marker.layout is not None:
            layout_scores[marker.layout] += marker.layout_weight
    practising = scores[Document.PRACTISING] + (3.0 if changes else 0.0)
    scores[Document.PRACTISING] = practising
    # A change page shows its title or at least two of its labels (one may be another label misread).
    change_pages = (
        change_page
        or bool(changes)
        or any(m.text == CHANGE_TITLE for m in seen)
        or len({m.text for m in seen} & CHANGE_MARKERS) >= 2
    )
    rival = max((d for d in Document if d is not Document.PRACTISING), key=lambda d: scores[d])
    if scores[rival] >= MIN_EVIDENCE and scores[rival] >= practising + MARGIN:
        return Identified(rival, None, scores, layout_scores, change_pages)
    if practising == 0.0 and scores[rival] == 0.0 and not labelled:
        return Identified(Document.OTHER, None, scores, layout_scores, change_pages)
    old, new = layout_scores[_OLD], layout_scores[_NEW]
    layout = _OLD if old > new else _NEW if new > old else layout_from_changes(changes)
    if layout is None and not change_pages:
        layout = _NEW  # a page of fields whose telling labels were lost is read by today's
    return Identified(Document.PRACTISING, layout, scores, layout_scores, change_pages)


def pages_not_shown(
    runs: Sequence[Run], fields: Mapping[FieldKey, FieldResult], layout: CertificateLayout | None
) -> tuple[str, ...]:
    """The warnings (`fields.PAGE_FIELDS`) for the pages of a practising certificate's booklet the
    picture does not show: none of the labels of the fields printed there was read, and none of
    those fields has a value. A redacted value's label still shows its page. Only the old booklet
    prints its 编码 on a page of its own; today's layout prints its code without a label, so its
    absence tells nothing."""
    labelled = {run.key for run in runs if run.key is not None}
    return tuple(
        warning
        for warning, keys in PAGE_FIELDS.items()
        if (warning != CODE_PAGE_NOT_SHOWN or layout is _OLD)
        and not any(key in labelled or fields[key].value is not None for key in keys)
    )


# The current layout was issued from the day the 医师执业注册管理办法 of 2017 took effect: a change
# before it was written into an old booklet.
CURRENT_RULES = "2017-04-01"
# Values that name an institution rather than a place.
_INSTITUTION_ENDING = re.compile(r"(医院|中心|卫生院|诊所|门诊部|保健院|卫生室|研究所|研究院)$")
# The current layout's place values (a 执业地点变更 to another province).
_PLACE_ENDING = re.compile(r"(省|市|自治区)$")


def layout_from_changes(changes: Sequence[Change]) -> CertificateLayout | None:
    """The layout of a booklet seen only by its change blocks: the old booklet when a change predates
    the current layout (CURRENT_RULES) or moves the 执业地点 to an institution (the old rules
    registered a doctor to one); the current layout when one moves it to a province; None when
    none tells (an empty change page, a scope changed since 2017: old booklets take changes too)."""
    for change in changes:
        item = change.item or ""
        value = change.value or ""
        if change.date is not None and change.date < CURRENT_RULES:
            return _OLD
        if "执业地点" in item and _INSTITUTION_ENDING.search(value):
            return _OLD
        if "执业地点" in item and _PLACE_ENDING.search(value):
            return _NEW
    return None
