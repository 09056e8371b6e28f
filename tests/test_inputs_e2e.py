"""Inputs HR departments send, end to end: multi-page PDFs, multi-frame TIFFs and HEIC photos of
generated certificates are read page by page, each page matching its own ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import pdf_of_jpegs
from PIL import Image

from scanner.fields import CERTIFICATE_FIELDS, CertificateRecord, FieldKey
from scanner.report import summary

pytestmark = pytest.mark.slow


def assert_matches_truth(record: CertificateRecord, truth: dict[str, str]) -> None:
    """Every field right or marked for review, and the page is the certificate it should be."""
    assert record.error is None, record.error
    right = 0
    for key in CERTIFICATE_FIELDS:
        field = record.fields[key]
        if field.value == truth[key]:
            right += 1
        else:
            assert field.review, f"page {record.page}: {key} read {field.value!r}, truth {truth[key]!r}"
    assert right >= 11, f"page {record.page}: {right}/12 fields right"
    assert record.value(FieldKey.CERTIFICATE_CODE) == truth[FieldKey.CERTIFICATE_CODE]


def test_each_page_of_a_multi_page_pdf_is_its_own_certificate(samples, scanner, tmp_path: Path):
    pdf = tmp_path / "hr_file.pdf"
    first, *rest = [Image.open(s.image) for s in samples[:2]]
    first.save(pdf, save_all=True, append_images=rest, resolution=200)
    records = list(scanner.scan_pages(pdf))
    assert [r.page for r in records] == [1, 2]
    assert all(r.file == str(pdf) for r in records)
    for record, sample in zip(records, samples[:2], strict=True):
        assert_matches_truth(record, sample.truth)


def test_a_damaged_pdf_page_gives_an_error_row_and_the_others_are_read(samples, scanner, tmp_path: Path):
    pdf = tmp_path / "hr_file.pdf"
    jpegs = [samples[2].image.read_bytes(), samples[2].image.read_bytes(), samples[3].image.read_bytes()]
    pdf.write_bytes(pdf_of_jpegs(jpegs, broken={2}))
    good, bad, last = scanner.scan_pages(pdf)
    assert bad.page == 2 and bad.error == "this page of the PDF is damaged and cannot be shown"
    assert "第2页" in summary(bad) and "已损坏" in summary(bad)
    assert_matches_truth(good, samples[2].truth)
    assert last.page == 3
    assert_matches_truth(last, samples[3].truth)


def test_each_frame_of_a_multi_frame_tiff_is_its_own_certificate(samples, scanner, tmp_path: Path):
    tiff = tmp_path / "hr_file.tif"
    first, *rest = [Image.open(s.image) for s in samples[2:4]]
    first.save(tiff, save_all=True, append_images=rest, compression="tiff_deflate")
    records = list(scanner.scan_pages(tiff))
    assert [r.page for r in records] == [1, 2]
    for record, sample in zip(records, samples[2:4], strict=True):
        assert_matches_truth(record, sample.truth)


def test_a_heic_phone_photo_is_read(samples, scanner, tmp_path: Path):
    heic = tmp_path / "IMG_4711.HEIC"
    Image.open(samples[5].image).save(heic, quality=90)
    (record,) = scanner.scan_pages(heic)
    assert record.page is None
    assert_matches_truth(record, samples[5].truth)
