"""The `certscan` command, run in-process: output formats, masking, exit codes, model choice."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.fields import FIELD_ORDER
from scanner.ocr.rapid import BUNDLED_DET, bundled_models_dir
from scanner.text import mask_id

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


def test_missing_model_is_one_sentence_in_the_readers_language_and_exit_2(tmp_path: Path):
    missing = str(tmp_path / "nope.onnx")
    result = runner.invoke(app, ["scan", "x.jpg", "--det-model", missing])
    assert result.exit_code == 2
    assert result.output == f"certscan: 检测模型（--det-model、CERTSCAN_DET_MODEL）文件不存在：{missing}\n"
    english = runner.invoke(app, ["scan", "x.jpg", "--det-model", missing, "--lang", "en"])
    assert english.output == (
        f"certscan: detection model (--det-model, CERTSCAN_DET_MODEL) file not found: {missing}\n"
    )


def test_a_folder_named_as_a_model_says_to_name_the_file(tmp_path: Path):
    result = runner.invoke(app, ["config", "--rec-keys", str(tmp_path)])
    assert result.exit_code == 2
    keys = "字符表（--rec-keys、CERTSCAN_REC_KEYS）"
    assert result.output == f"certscan: {tmp_path} 是文件夹，请指定{keys}文件本身。\n"


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


# ------------------------------------------------------------------ what a newcomer meets first

COMMANDS = [
    [],
    ["scan"],
    ["verify"],
    ["batch"],
    ["review"],
    ["config"],
    ["institution"],
    ["registry"],
    ["registry", "import"],
    ["registry", "stats"],
    ["registry", "show"],
]
# What typer shows when nobody named a value: <bool>, <list[Path]>, <int range>, {images}...
PLACEHOLDER = re.compile(r"<[a-zA-Z][\w\[\], ]*>|\{[a-z_]+\}")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "certscan")
def test_help_of_every_command_shows_readable_metavars_and_no_placeholders(command):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert PLACEHOLDER.findall(result.output) == []


def test_help_names_what_each_value_is():
    scan = runner.invoke(app, ["scan", "--help"], env={"COLUMNS": "200"}, prog_name="certscan").output
    assert "Usage: certscan scan [OPTIONS] IMAGE..." in scan
    assert re.search(r"--det-model +FILE ", scan) and re.search(r"--lang +zh\|en ", scan)
    verify = runner.invoke(app, ["verify", "--help"], env={"COLUMNS": "200"}, prog_name="certscan").output
    assert "Usage: certscan verify [OPTIONS] [IMAGE]..." in verify
    assert re.search(r"--registry +DB\|URL ", verify) and re.search(r"--record +FILE ", verify)
    show = runner.invoke(
        app, ["registry", "show", "--help"], env={"COLUMNS": "200"}, prog_name="certscan"
    ).output
    assert "Usage: certscan registry show [OPTIONS] CODE" in show and re.search(r"--db +DB ", show)


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"certscan {version('certscan')}\n"


@pytest.fixture(scope="module")
def sample_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("registry") / "hr.db"
    roster = Path(__file__).parent.parent / "samples" / "registry.csv"
    assert runner.invoke(app, ["registry", "import", str(roster), "--db", str(db)]).exit_code == 0
    return db


def test_a_photo_given_as_a_reviewed_record_says_to_verify_it_without_record(samples, sample_registry):
    photo = str(samples[0].image)
    result = runner.invoke(app, ["verify", "--record", photo, "--registry", str(sample_registry)])
    assert result.exit_code == 2
    assert result.output == (
        f"certscan: {photo} 是图片，不是复核记录：请去掉 --record，运行 certscan verify {photo}。\n"
    )
    english = runner.invoke(
        app, ["verify", "--record", photo, "--registry", str(sample_registry), "--lang", "en"]
    )
    assert english.output == (
        f"certscan: {photo} is a picture, not a reviewed record: verify it with "
        f"`certscan verify {photo}` (without --record).\n"
    )


def test_a_record_that_is_a_folder_missing_empty_or_not_text_is_one_plain_sentence(sample_registry, tmp_path):
    empty, binary = tmp_path / "empty.jsonl", tmp_path / "reviewed.jsonl"
    empty.write_bytes(b"")
    binary.write_bytes(b"\x00\xfe\xff not text \xff")
    expected = {
        tmp_path: f"{tmp_path}：这是文件夹，不是识别结果文件",
        tmp_path / "nope.jsonl": f"{tmp_path / 'nope.jsonl'}：文件不存在",
        empty: f"{empty}：文件是空的",
        binary: f"{binary}：不是识别结果文件（不是UTF-8文本）；"
        "请指定 certscan scan --json 写出的JSON或JSON Lines文件",
    }
    for path, sentence in expected.items():
        result = runner.invoke(app, ["verify", "--record", str(path), "--registry", str(sample_registry)])
        assert result.exit_code == 2
        assert result.output == f"certscan: {sentence}\n"
        assert "codec" not in result.output and "Errno" not in result.output


def test_verify_without_inputs_says_so_in_the_readers_language():
    chinese = runner.invoke(app, ["verify"]).output
    assert chinese == "certscan: 请指定要核验的证书图片，或用 --record 指定复核后的记录。\n"
    english = runner.invoke(app, ["verify", "--lang", "en"]).output
    assert english == "certscan: name certificate images to verify, or reviewed records with --record.\n"


def test_an_institutions_file_that_is_a_folder_or_not_text_is_one_plain_sentence(samples, tmp_path):
    result = runner.invoke(app, ["institution", "重医附一院", "--institutions", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == f"certscan: {tmp_path} 是文件夹，请指定机构CSV文件本身。\n"
    picture = str(samples[0].image)
    english = runner.invoke(app, ["institution", "x", "--institutions", picture, "--lang", "en"])
    assert english.output == f"certscan: {picture} is not a UTF-8 CSV file; save it as CSV UTF-8.\n"


def meeting_notice(path: Path) -> Path:
    """A page that is no certificate: a meeting notice (会议通知) with a few lines and a date."""
    from PIL import Image, ImageDraw

    from scanner.synth.fonts import available_faces, load_font

    face = next(f for f in available_faces() if f.style == "sans" and not f.bold)
    page = Image.new("RGB", (1400, 1000), (250, 250, 246))
    draw = ImageDraw.Draw(page)
    draw.text((560, 80), "会议通知", font=load_font(face, 64), fill=(20, 20, 20))
    body = load_font(face, 34)
    text = [
        "各科室负责人：",
        "定于本周五下午三点在行政楼三楼会议室召开",
        "医疗质量安全工作会议，请准时参加。",
        "会议内容：总结上季度工作，布置下阶段任务。",
        "联系人：李明  电话：023-68881234",
    ]
    for i, row in enumerate(text):
        draw.text((120, 220 + i * 80), row, font=body, fill=(30, 30, 30))
    draw.text((900, 720), "医务科", font=body, fill=(30, 30, 30))
    draw.text((860, 790), "2024年3月18日", font=body, fill=(30, 30, 30))
    page.save(path)
    return path


@pytest.fixture(scope="module")
def notice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return meeting_notice(tmp_path_factory.mktemp("notice") / "notice.png")


def test_a_meeting_notice_is_no_certificate_with_no_values_and_exit_1(notice, samples):
    result = runner.invoke(app, ["scan", str(notice), str(samples[0].image), "--json"])
    assert result.exit_code == 1
    row, certificate = (json.loads(line) for line in result.stdout.splitlines())
    assert row["warnings"] == ["no_certificate"] and row["checks"] == []
    assert {k: (f["value"], f["flags"]) for k, f in row["fields"].items()} == {
        str(k): (None, ["missing"]) for k in FIELD_ORDER
    }
    assert "no_certificate" not in certificate["warnings"]
    people = runner.invoke(app, ["scan", str(notice)])
    assert people.exit_code == 1
    assert people.output.splitlines()[1].startswith("  未找到医师执业证书：")
    assert "2024" not in people.output and "需人工复核" not in people.output
    english = runner.invoke(app, ["scan", str(notice), "--lang", "en"])
    assert english.output.splitlines()[1].startswith("  no practising certificate found: ")


def test_verifying_a_meeting_notice_says_no_certificate_was_found_and_exits_1(notice, sample_registry):
    result = runner.invoke(app, ["verify", str(notice), "--registry", str(sample_registry)])
    assert result.exit_code == 1
    lines = result.output.rstrip("\n").splitlines()
    assert lines[:2] == [str(notice), "  结论：✘ 不是执业证书：图中没有医师执业证书"]
    assert "    1. 图中没有医师执业证书，无法核验：请拍摄或选择医师执业证书本身" in result.output
    assert lines[-1] == (
        "    未找到医师执业证书：图中没有证书的任何栏目（姓名、身份证号、证书编码等），"
        "请确认拍摄或选择的是医师执业证书。"
    )
    as_json = runner.invoke(app, ["verify", str(notice), "--registry", str(sample_registry), "--json"])
    row = json.loads(as_json.stdout)
    assert (
        as_json.exit_code == 1
        and row["verdict"] == "wrong_document"
        and row["warnings"][-1] == "no_certificate"
    )
