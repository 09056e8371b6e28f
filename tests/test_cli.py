"""The `certscan` command, run in-process: output formats, masking, exit codes, model choice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.fields import FIELD_ORDER
from scanner.ocr.rapid import BUNDLED_DET, bundled_models_dir
from scanner.report import mask_id

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_scan_json_follows_the_spec(samples):
    sample = samples[0]
    result = runner.invoke(app, ["scan", str(sample.image), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert list(row)[:5] == ["file", "fields", "checks", "warnings", "error"]
    assert row["file"] == str(sample.image) and row["error"] is None
    assert list(row["fields"]) == [str(k) for k in FIELD_ORDER]
    for field in row["fields"].values():
        assert set(field) >= {"value", "raw", "confidence", "review", "flags"}
    # The machine-readable output the user asked for carries the full ID number.
    assert row["fields"]["id_number"]["value"] == sample.truth["id_number"]
    assert {c["check"] for c in row["checks"]} >= {"id_checksum", "code_format"}
    assert len(row["ocr"]["det_sha256"]) == 64


def test_summary_for_people_masks_the_id_number(samples):
    sample = samples[0]
    result = runner.invoke(app, ["scan", str(sample.image)])
    assert result.exit_code == 0
    assert sample.truth["id_number"] not in result.stdout
    assert mask_id(sample.truth["id_number"]) in result.stdout
    assert "姓名" in result.stdout and sample.truth["name"] in result.stdout


def test_summary_in_english(samples):
    result = runner.invoke(app, ["scan", str(samples[0].image), "--lang", "en"])
    assert result.exit_code == 0
    assert "Certificate code" in result.stdout and "姓名" not in result.stdout


def test_unreadable_file_gives_an_error_row_and_exit_2_without_losing_the_others(samples, tmp_path: Path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    result = runner.invoke(app, ["scan", str(bad), str(samples[1].image), "--json"])
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["file"] == str(bad) and "Traceback" not in result.output
    assert rows[0]["error"].count(".") <= 1 and rows[0]["error"]
    assert rows[1]["error"] is None and rows[1]["fields"]["name"]["value"]


def test_missing_model_is_one_sentence_and_exit_2(tmp_path: Path):
    result = runner.invoke(app, ["scan", "x.jpg", "--det-model", str(tmp_path / "nope.onnx")])
    assert result.exit_code == 2
    assert "det_model file not found" in result.output
    assert "Traceback" not in result.output


def test_another_detection_model_is_used_and_recorded(samples, tmp_path: Path):
    copy = tmp_path / "my_det.onnx"
    shutil.copy(bundled_models_dir() / BUNDLED_DET, copy)
    result = runner.invoke(app, ["scan", str(samples[0].image), "--json", "--det-model", str(copy)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["ocr"]["det_model"] == "my_det.onnx"


def test_config_prints_effective_settings_and_models():
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["config"]["review_threshold"] == pytest.approx(0.93)
    assert data["ocr"]["rec_model"] == "PP-OCRv6_rec_small.onnx"


def test_unknown_language_is_bad_usage(samples):
    result = runner.invoke(app, ["scan", str(samples[0].image), "--lang", "fr"])
    assert result.exit_code == 2
    assert "unknown language" in result.output


def test_scan_of_a_pdf_gives_one_row_per_page(samples, tmp_path: Path):
    from PIL import Image

    pdf = tmp_path / "hr_file.pdf"
    first, second = (Image.open(s.image) for s in samples[:2])
    first.save(pdf, save_all=True, append_images=[second], resolution=200)
    result = runner.invoke(app, ["scan", str(pdf), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["page"]) for r in rows] == [(str(pdf), 1), (str(pdf), 2)]
    assert [r["fields"]["certificate_code"]["value"] for r in rows] == [
        s.truth["certificate_code"] for s in samples[:2]
    ]
