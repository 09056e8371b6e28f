"""Booklets end to end: generated pictures of opened booklets and other documents, read by real OCR."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.fields import FIELD_ORDER, Document
from scanner.pipeline import Scanner
from scanner.synth import degrade
from scanner.synth.documents import doc_rng, render_document

pytestmark = pytest.mark.slow


def scanned(scanner: Scanner, tmp_path: Path, kind: str, seed: int, index: int, mode: str = "scan"):
    """A document rendered and photographed as the generator does (`generate_documents`), and its
    record read from the JPEG file."""
    picture = render_document(kind, doc_rng(seed, index))
    shot = degrade.degrade(picture.image, doc_rng(seed, index, mode), mode)
    path = tmp_path / f"{index:04d}_{kind}_{mode}.jpg"
    path.write_bytes(shot.encoded)
    return scanner.scan_file(path), picture.truth


def test_an_old_booklet_spread_with_redacted_values_and_a_change_block(scanner: Scanner, tmp_path: Path):
    record, truth = scanned(scanner, tmp_path, "old_booklet", 7, 36)
    assert truth["redacted"] and truth["changes"]
    assert str(record.document) == truth["document"] and str(record.layout) == truth["layout"]
    for key in FIELD_ORDER:
        field = record.fields[key]
        # What is shown is read; what is redacted or on a page not shown is missing, never guessed.
        assert field.value == truth["fields"][str(key)] or field.review, (key, field.value)
        if str(key) in truth["redacted"]:
            assert field.value is None, key
    read = [(c.item, c.date, c.value) for c in record.changes]
    assert read == [(c["item"], c["date"], c["value"]) for c in truth["changes"]]
    assert record.current is not None
    assert record.current.to_json()["institution"] == truth["current"]["institution"]


def test_a_qualification_certificate_is_named_and_keeps_only_its_own_fields(scanner: Scanner, tmp_path: Path):
    record, truth = scanned(scanner, tmp_path, "qualification", 7, 2)
    assert record.document is Document.QUALIFICATION and record.layout is None
    assert record.current is None and not record.changes
    for key in FIELD_ORDER:
        expected = truth["fields"][str(key)]
        assert record.fields[key].value == expected or (record.fields[key].review and expected is not None), (
            key
        )
