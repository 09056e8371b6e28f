"""A generated old 卫生部 booklet (both spreads in one picture, with a change record) and a 医师资格证书,
scanned with real OCR and verified against registries imported from their truth: one caught up with
the change record, one still holding the booklet as printed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.fields import CertificateLayout, Document
from scanner.pipeline import Scanner
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.report import verification_json, verify_summary
from scanner.synth import degrade
from scanner.synth.documents import doc_rng, render_document
from scanner.verify import Kind, Verdict, Verifier

SEED = 1919
# (kind, index): an old booklet shown as both spreads stacked, with one change block; a 资格证书.
PICTURES = (("old_booklet", 3), ("qualification", 0))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("booklets")
    scanner = Scanner(ScanConfig())
    out = []
    for kind, index in PICTURES:
        picture = render_document(kind, doc_rng(SEED, index))
        shot = degrade.degrade(picture.image, doc_rng(SEED, index, "scan"), "scan")
        path = tmp / f"{index:04d}_{kind}.jpg"
        path.write_bytes(shot.encoded)
        out.append((picture.truth, scanner.scan_file(path)))
    return out


def registry(tmp: Path, truth: dict, caught_up: bool) -> SqliteRegistry:
    """The doctor as an export would hold them: registered where the newest change says, or as the
    booklet was printed."""
    row = dict(truth["booklet"]["fields"])
    row["practice_place"] = "重庆市"  # a registry's practice place is a province
    current = truth["current"]
    if caught_up:
        row.update(institution=current["institution"], scope=current["scope"])
        row["certificate_code"] = current["certificate_code"] or row["certificate_code"]
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "registry.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    store = SqliteRegistry.create(tmp / "registry.db")
    assert import_csv(path, store).rejected == []
    return store


@pytest.mark.slow
def test_a_scanned_booklet_is_verified_against_its_change_record(scanned, tmp_path):
    truth, record = scanned[0]
    assert truth["view"] == "stacked" and len(truth["changes"]) == 1
    assert (record.document, record.layout) == (Document.PRACTISING, CertificateLayout.OLD_BOOKLET)
    newest = truth["changes"][-1]
    for caught_up in (True, False):
        store = registry(tmp_path / str(caught_up), truth, caught_up)
        try:
            v = Verifier(store).verify(record)
        finally:
            store.close()
        assert v.entry is not None
        if caught_up:
            # Registered where the newest change says: consistent, or (read unsurely) for review.
            assert v.verdict in (Verdict.CONSISTENT, Verdict.NEEDS_REVIEW), v.differences
            continue
        assert v.verdict in (Verdict.MISMATCH, Verdict.NEEDS_REVIEW), v.differences
        if v.verdict is Verdict.MISMATCH:
            # Every sure difference is the registry not having caught up with the change.
            assert all(d.kind is Kind.REGISTRY_LAG for d in v.differences if d.sure)
            advice = " ".join(verification_json(v, "zh")["advice"])
            assert newest["authority"] in advice and newest["date"] in advice


@pytest.mark.slow
def test_a_scanned_qualification_certificate_is_the_wrong_document(scanned, tmp_path):
    truth, record = scanned[1]
    assert record.document is Document.QUALIFICATION
    store = registry(tmp_path, {**truth, "current": truth["current"] or {}}, caught_up=False)
    try:
        v = Verifier(store).verify(record)
    finally:
        store.close()
    assert (v.verdict, v.entry) == (Verdict.WRONG_DOCUMENT, None)
    text = verify_summary(v)
    assert "医师资格证书" in text and "请索取医师执业证书" in text
