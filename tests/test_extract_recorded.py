"""Extraction on OCR lines recorded from generated certificates (real OCR output, no pixels).

Each file in tests/data/ocr holds what the OCR stage read from one image, the truth it was rendered
from and why the case matters; tests/record_ocr.py re-records them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scanner.checks import run_checks
from scanner.extract import extract_fields
from scanner.fields import FieldKey
from scanner.ocr.base import OcrLine

RECORDED = sorted((Path(__file__).parent / "data" / "ocr").glob("*.json"))


def load(path: Path) -> tuple[list[OcrLine], dict[str, str | None]]:
    data = json.loads(path.read_text("utf-8"))
    return [OcrLine.from_json(item) for item in data["lines"]], data["truth"]


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
def test_recorded_certificate_reads_every_field_right(path: Path):
    lines, truth = load(path)
    # Recordings of the current layout hold the twelve fields; it prints no qualification code.
    truth = {**truth, FieldKey.QUALIFICATION_CODE: truth.get(FieldKey.QUALIFICATION_CODE)}
    fields, _ = run_checks(extract_fields(lines, 0.93), dt.date(2026, 11, 27))
    for key in FieldKey:
        field = fields[key]
        if field.value != truth[key]:
            # OCR itself may misread a character; then the field must be marked, never silently wrong.
            assert field.review, f"{key}: read {field.value!r}, truth {truth[key]!r}"
    right = sum(fields[k].value == truth[k] for k in FieldKey)
    assert right == len(FieldKey), {
        k.value: (fields[k].value, truth[k]) for k in FieldKey if fields[k].value != truth[k]
    }


def test_recordings_cover_the_layouts():
    layouts = {json.loads(p.read_text("utf-8"))["layout"] for p in RECORDED}
    assert layouts >= {"spread", "single", "grid"}
