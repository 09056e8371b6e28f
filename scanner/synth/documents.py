"""Pictures of the documents people hold, with ground truth in the SPEC format (issue 19).

Kinds: ``old_booklet`` (the 卫生部 booklet: p1 preamble, p2 编码/发证机关/签发人/发证日期, p3 the
personal rows, p4 the 变更注册记录), ``current_booklet`` (today's layout as an opened spread,
optionally followed by change pages), ``qualification`` (医师资格证书) and ``title`` (专业技术资格证书).
A picture shows one page, one opened spread or two spreads stacked; some values are covered by
redaction boxes; some certificates come from other provinces.  ``generate_documents`` writes
``{index:04d}_{kind}_{mode}.jpg`` and ``.json``; the same arguments give byte-identical files.
Nothing here changes what ``generate`` or ``generate_scenarios`` produce.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from . import degrade
from .booklet import (
    Hand,
    Sheet,
    change_page,
    choose_hand,
    old_p1,
    old_p2,
    old_p3,
    qualification_spread,
    redact,
    title_page,
)
from .degrade import MODES, field_legibility
from .geometry import map_box
from .papers import ALL_FIELDS, Doctor, current_of, make_doctor
from .render import render_certificate
from .scripts import UNDER_SIZE, can_draw

KINDS: tuple[str, ...] = ("old_booklet", "current_booklet", "qualification", "title")
DOCUMENT_OF_KIND: dict[str, str] = {
    "old_booklet": "practising_certificate",
    "current_booklet": "practising_certificate",
    "qualification": "qualification_certificate",
    "title": "title_certificate",
}
# Values HR copies cover for privacy, and how often a picture has any box at all.
REDACTABLE: tuple[str, ...] = (
    "name",
    "id_number",
    "birth_date",
    "certificate_code",
    "qualification_code",
    "sex",
)
REDACTION_RATE = 0.3
OTHER_PROVINCE_RATE = 0.2
# The pages of each kind a picture shows: (view, rows of page names), with weights.
VIEWS: dict[str, tuple[tuple[str, tuple[tuple[str, ...], ...], int], ...]] = {
    "old_booklet": (
        ("stacked", (("p1", "p2"), ("p3", "p4")), 4),
        ("spread", (("p1", "p2"),), 1),
        ("spread", (("p3", "p4"),), 2),
        ("page", (("p2",),), 1),
        ("page", (("p3",),), 1),
        ("page", (("p4",),), 1),
    ),
    "current_booklet": (
        ("spread", (("left", "right"),), 4),
        ("stacked", (("left", "right"), ("c1", "c2")), 3),
        ("page", (("right",),), 1),
        ("page", (("c1",),), 1),
    ),
    "qualification": (("spread", (("q1", "q2"),), 2), ("page", (("q2",),), 1)),
    "title": (("page", (("t1",),), 1),),
}


def doc_rng(seed: int, index: int, tag: str = "") -> random.Random:
    """Independent RNG per document (and per mode); keys differ from ``generate``'s."""
    return random.Random(f"certscan-documents:{seed}:{index}:{tag}")


@dataclass(frozen=True)
class Picture:
    """One composed picture of a document, before degradation, with its truth."""

    image: Image.Image
    truth: dict[str, Any]
    boxes: dict[str, list[int]]


# ---------------------------------------------------------------- pages of each kind


def _page_size(rng: random.Random) -> tuple[int, int]:
    w = rng.randint(1100, 1300)
    return w, round(w * rng.uniform(1.3, 1.42))


def _split_spread(image: Image.Image, boxes: dict[str, list[int]]) -> tuple[Sheet, Sheet]:
    """Cut today's rendered spread at its fold into a left and a right page."""
    w, h = image.size
    half = w // 2
    left, right = Sheet(image.crop((0, 0, half, h)), "left"), Sheet(image.crop((half, 0, w, h)), "right")
    for key, (x0, y0, x1, y1) in boxes.items():
        if (x0 + x1) / 2 < half:
            left.boxes[key] = [x0, y0, x1, y1]
        else:
            right.boxes[key] = [x0 - half, y0, x1 - half, y1]
    return left, right


def _change_pages(
    rng: random.Random, size: tuple[int, int], doctor: Doctor, names: tuple[str, ...], hand: Hand
) -> list[Sheet]:
    """The change record: the blocks on the first page, empty forms on any further page."""
    changes = doctor.changes
    slots = max(len(changes), rng.choice((2, 3, 3)))
    first = change_page(rng, size, names[0], changes, 0, slots, hand)
    rest = [change_page(rng, size, name, [], len(changes), slots, hand) for name in names[1:]]
    return [first, *rest]


def _sheets(kind: str, doctor: Doctor, rng: random.Random) -> tuple[dict[str, Sheet], dict[str, Any]]:
    """Every page of the document, by name, plus the choices recorded in the truth."""
    truth = doctor.base
    size = _page_size(rng)
    values = "".join(truth.values()) + "".join(doctor.extra.values())
    values += "".join(str(v) for c in doctor.changes for v in c.values() if v)
    hand = choose_hand(rng, size, values)
    style: dict[str, Any] = {
        "hand": hand.mode,
        "hand_font": hand.hand_face.label,
        "typed_font": hand.typed_face.label,
    }
    if kind == "old_booklet":
        if doctor.script is not None and can_draw(doctor.script):
            # Issued in an autonomous region: every label also in the region's script.
            hand = replace(hand, script=doctor.script, script_scale=rng.uniform(*UNDER_SIZE))
            style["script"] = doctor.script
        sheets = [
            old_p1(rng, size, truth["level"], hand),
            old_p2(rng, size, truth, hand, doctor.extra["signatory"]),
            old_p3(rng, size, {**truth, "qualification_code": doctor.qualification_code}, hand),
            *_change_pages(rng, size, doctor, ("p4",), hand),
        ]
    elif kind == "current_booklet":
        rendered = render_certificate(truth, rng, "spread")
        left, right = _split_spread(rendered.image, rendered.boxes)
        page_size = (rendered.image.width // 2, rendered.image.height)
        hand = choose_hand(rng, page_size, values)
        sheets = [left, right, *_change_pages(rng, page_size, doctor, ("c1", "c2"), hand)]
        style["render"] = {k: rendered.style[k] for k in ("label_font", "value_font", "date_format", "seal")}
    elif kind == "qualification":
        sheets = list(qualification_spread(rng, size, truth, doctor.extra, doctor.qualification_code, hand))
    elif kind == "title":
        sheets = [title_page(rng, size, truth, doctor.extra, hand)]
    else:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {', '.join(KINDS)}")
    return {s.name: s for s in sheets}, style


# ---------------------------------------------------------------- composing the picture


def _fold(image: Image.Image, x: int, rng: random.Random) -> Image.Image:
    """Shade the binding between two pages of an opened booklet."""
    arr = np.asarray(image, dtype=np.float32)
    xs = np.arange(arr.shape[1], dtype=np.float32) - x
    depth = rng.uniform(0.08, 0.2)
    shade = 1.0 - depth * np.exp(-((xs / (arr.shape[1] * 0.012)) ** 2))
    return Image.fromarray(np.clip(arr * shade[None, :, None], 0, 255).astype(np.uint8), "RGB")


def _compose(
    rows: tuple[tuple[str, ...], ...], sheets: dict[str, Sheet], rng: random.Random
) -> tuple[Image.Image, dict[str, list[int]]]:
    """Lay the pages out: each row an opened spread (or one page), rows stacked with a gap."""
    spreads: list[tuple[Image.Image, dict[str, list[int]]]] = []
    for row in rows:
        pages = [sheets[n] for n in row]
        height = max(p.image.height for p in pages)
        width = sum(p.image.width for p in pages)
        spread = Image.new("RGB", (width, height), (250, 250, 248))
        boxes: dict[str, list[int]] = {}
        x = 0
        for p in pages:
            spread.paste(p.image, (x, 0))
            boxes.update({k: [b[0] + x, b[1], b[2] + x, b[3]] for k, b in p.boxes.items()})
            x += p.image.width
        if len(pages) == 2:
            spread = _fold(spread, pages[0].image.width, rng)
        spreads.append((spread, boxes))
    if len(spreads) == 1:
        return spreads[0]
    gap = rng.randint(20, 120)
    shift = [rng.randint(0, 60) for _ in spreads]
    width = max(s.width + dx for (s, _), dx in zip(spreads, shift, strict=True)) + 20
    height = sum(s.height for s, _ in spreads) + gap * (len(spreads) + 1)
    bed = rng.randint(236, 252)
    canvas = Image.new("RGB", (width, height), (bed, bed, bed))
    all_boxes: dict[str, list[int]] = {}
    y = gap
    for (spread, boxes), dx in zip(spreads, shift, strict=True):
        canvas.paste(spread, (dx + 10, y))
        all_boxes.update({k: [b[0] + dx + 10, b[1] + y, b[2] + dx + 10, b[3] + y] for k, b in boxes.items()})
        y += spread.height + gap
    return canvas, all_boxes


def _truth(
    kind: str, doctor: Doctor, pages: list[str], boxes: dict[str, list[int]], redacted: list[str]
) -> dict[str, Any]:
    """SPEC-format truth of what this picture shows."""
    document = DOCUMENT_OF_KIND[kind]
    printed: dict[str, Any] = {**doctor.base, "qualification_code": doctor.qualification_code}
    if kind == "current_booklet":
        printed["qualification_code"] = None  # today's layout does not print it
    if kind == "old_booklet":
        printed["institution"] = None  # no 主要执业机构 label on this layout
    fields = {k: (printed[k] if k in boxes and k not in redacted else None) for k in ALL_FIELDS}
    if kind == "qualification":
        # The 资格证书's 发证日期 is the exam certificate's, its authority the ministry's.
        fields["authority"] = doctor.extra["qualification_authority"] if "authority" in boxes else None
        fields["issue_date"] = doctor.extra["qualification_date"] if "issue_date" in boxes else None
    layout = {"old_booklet": "old_booklet", "current_booklet": "current"}.get(kind)
    shown = [i for i, _ in enumerate(doctor.changes) if f"change{i}.item" in boxes]
    changes = [dict(doctor.changes[i]) for i in shown]
    current = current_of(fields, changes, layout) if layout else None
    return {
        "document": document,
        "layout": layout,
        "fields": fields,
        "changes": changes,
        "current": current,
        "redacted": sorted(redacted),
        "pages": pages,
    }


def render_document(
    kind: str, rng: random.Random, other_province: bool | None = None, bilingual: bool | None = None
) -> Picture:
    """Render one picture of a ``kind`` document with its truth (pages, redaction, province drawn).
    ``bilingual``: the doctor comes from an autonomous region (an old booklet then prints its
    labels in two scripts); drawn when None."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {', '.join(KINDS)}")
    if bilingual:
        other_province = True
    if other_province is None:
        other_province = kind in ("old_booklet", "current_booklet") and rng.random() < OTHER_PROVINCE_RATE
    layout = "old_booklet" if kind == "old_booklet" else "current"
    doctor = make_doctor(rng, layout, other_province, bilingual)
    sheets, style = _sheets(kind, doctor, rng)
    views = VIEWS[kind]
    view, rows, _ = rng.choices(views, weights=[v[2] for v in views])[0]
    image, boxes = _compose(rows, sheets, rng)
    redacted: list[str] = []
    redaction_boxes: list[list[int]] = []
    candidates = [k for k in REDACTABLE if k in boxes]
    if candidates and rng.random() < REDACTION_RATE:
        for key in rng.sample(candidates, rng.randint(1, min(3, len(candidates)))):
            redaction_boxes.append(redact(image, boxes[key], rng))
            redacted.append(key)
    pages = [n for row in rows for n in row]
    truth = _truth(kind, doctor, pages, boxes, redacted)
    details: dict[str, Any] = {
        "kind": kind,
        "view": view,
        "other_province": other_province,
        "script": style.get("script"),
        "redaction_boxes": redaction_boxes,
        "extra": {**doctor.extra, "level": doctor.base["level"]}
        if kind in ("qualification", "title")
        else {},
        "booklet": {
            "fields": {**doctor.base, "qualification_code": doctor.qualification_code},
            "changes": [dict(c) for c in doctor.changes],
        },
        "style": style,
    }
    truth.update(details)
    return Picture(image, truth, boxes)


# ---------------------------------------------------------------- writing a data set


def _record(
    file: str, mode: str, seed: int, index: int, picture: Picture, shot: degrade.DegradeResult
) -> dict[str, Any]:
    """The JSON record written next to each image."""
    boxes = {k: map_box(b, shot.matrix) for k, b in picture.boxes.items()}
    legibility = {
        k: field_legibility(shot, b, ["x" * max(1, (b[2] - b[0]) // max(1, b[3] - b[1]))])
        for k, b in picture.boxes.items()
        if k in ALL_FIELDS and picture.truth["fields"].get(k) is not None
    }
    return {
        "file": file,
        "mode": mode,
        "seed": seed,
        "index": index,
        **picture.truth,
        "quad": shot.quad,
        "boxes": boxes,
        "flat_boxes": picture.boxes,
        "flat_size": list(picture.image.size),
        "degrade": shot.params,
        "legibility": legibility,
    }


def generate_documents(
    out_dir: Path,
    count: int,
    seed: int,
    modes: Sequence[str] = ("scan", "photo"),
    kinds: Sequence[str] = KINDS,
    bilingual: bool | None = None,
) -> list[Path]:
    """Render ``count`` document pictures (kinds in turn) in every mode; return the JSON paths.
    ``bilingual`` True: every doctor comes from an autonomous region (bilingual old booklets)."""
    unknown = [m for m in modes if m not in MODES] + [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown mode(s) or kind(s): {', '.join(unknown) or 'no kinds'}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        picture = render_document(kind, doc_rng(seed, index), bilingual=bilingual)
        for mode in modes:
            shot = degrade.degrade(picture.image, doc_rng(seed, index, mode), mode)
            stem = f"{index:04d}_{kind}_{mode}"
            (out_dir / f"{stem}.jpg").write_bytes(shot.encoded)
            record = _record(f"{stem}.jpg", mode, seed, index, picture, shot)
            path = out_dir / f"{stem}.json"
            path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            written.append(path)
    return written


__all__ = ["KINDS", "Picture", "doc_rng", "generate_documents", "render_document"]
