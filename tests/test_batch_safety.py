"""Issue 17, "nothing lost, nothing leaked", for `certscan batch`: reports that cannot destroy the
results, cells that never start a formula, a report for people that shows no ID number or birth
date, a summary that says what it counts, error rows that a rerun supersedes, file names that are
not UTF-8, and registry addresses whose password is never printed or stored."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from helpers import make_id
from PIL import Image
from test_batch_output import error_row, scan_row, write_rows
from typer.testing import CliRunner

from scanner.batch import ResultsFile, _write_thumbnail
from scanner.batch.report import summarize, write_csv, write_html
from scanner.cli import app

ID = make_id()  # 500103 19870312 041 2: born 1987-03-12
BIRTH = "1987-03-12"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
runner = CliRunner()
CERTSCAN = str(Path(sys.executable).with_name("certscan"))


def person_row(file: str, sha: str, review: set[str]) -> dict:
    row = scan_row(file, sha, review=review)
    row["fields"]["birth_date"]["value"] = BIRTH
    return row


def plain_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ the CSV


def test_no_csv_cell_starts_a_formula_whatever_the_file_name_roster_or_certificate_holds(tmp_path: Path):
    out, csv_path = tmp_path / "results.jsonl", tmp_path / "results.csv"
    hostile = person_row('=HYPERLINK("http://x","y").jpg', "aa", review={"name"})
    hostile["fields"]["name"]["value"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    hostile["fields"]["scope"]["value"] = "-2+3"
    hostile["roster"] = {
        "name": "=cmd|' /C calc'!A0",
        "institution": "+1+1",
        "disagree": ["name"],
        "unsure": [],
    }
    failed = {**error_row("\tcalc.jpg", None), "error": "-x", "error_zh": "\r=1+1"}
    write_rows(out, [hostile, failed])
    for lang in ("zh", "en"):
        assert write_csv(out, csv_path, lang=lang) == 2
        table = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"))))
        cells = [cell for line in table for cell in line]
        assert cells and all(not c.startswith(FORMULA_START) or plain_number(c) for c in cells)
        first = dict(zip(table[0], table[1], strict=True))
        file_column, name_column = ("文件", "花名册姓名") if lang == "zh" else ("file", "roster_name")
        # Shown as written, behind a mark that makes the cell text.
        assert first[file_column].endswith('=HYPERLINK("http://x","y").jpg')
        assert first[name_column].endswith("=cmd|' /C calc'!A0")
    # ID numbers and certificate codes stay text: Excel and WPS would round them to 15 digits.
    first = dict(zip(table[0], table[1], strict=True))
    assert first["id_number"] == "\u200b" + ID and first["certificate_code"] == "\u200b215001098582736"


# ------------------------------------------------------------------ the HTML report


def test_the_html_report_shows_no_whole_id_number_or_birth_date(tmp_path: Path):
    out, html_path = tmp_path / "results.jsonl", tmp_path / "report.html"
    verified = person_row("a.jpg", "aa", review={"id_number", "birth_date"})
    verified.update(
        verdict="mismatch",
        registry_record=None,
        advice=[],
        differences=[
            {
                "field": "id_number",
                "certificate": ID,
                "registry": "510202198703120418",
                "explanation": f"证书上的身份证号{ID}与登记库的510202198703120418不同（出生日期{BIRTH}）",
            }
        ],
    )
    failed = {**error_row("b.jpg", "bb"), "error_zh": f"无法读取{ID}的出生日期{BIRTH}"}
    # HR files are often named by the holder's ID number.
    named = {**error_row(f"hr/{ID}_2019-05-01.jpg", "cc"), "error_zh": "不是图片"}
    write_rows(out, [verified, failed, named])
    assert write_html(out, html_path, None, summarize(out)) == 3
    page = html_path.read_text("utf-8")
    for secret in (ID, "510202198703120418", BIRTH, "19870312", "03-12"):
        assert secret not in page
    assert "_2019-05-01.jpg" in page  # a date in a file name is no birth date
    assert "500103***********2" in page and "510202***********8" in page and "1987-**-**" in page


def test_thumbnails_black_out_the_id_number_and_birth_date(tmp_path: Path):
    page = np.full((1400, 1000, 3), 255, np.uint8)
    page[::7, :] = 40  # print-like lines everywhere, so nothing is white by chance
    row = person_row("a.jpg", "aa", review={"name"})
    boxes = {
        "id_number": [300, 900, 900, 960],
        "birth_date": [300, 700, 620, 760],
        "name": [300, 300, 520, 360],
    }
    for key, box in boxes.items():
        row["fields"][key]["box"] = box
    thumb = tmp_path / "thumb.jpg"
    _write_thumbnail(page, row, thumb)
    picture = np.asarray(Image.open(thumb).convert("L"), dtype=int)
    scale = picture.shape[0] / page.shape[0]
    for key in ("id_number", "birth_date"):
        x0, y0, x1, y1 = (round(v * scale) for v in boxes[key])
        assert picture[y0 : y1 + 1, x0 : x1 + 1].max() < 40, key  # filled: nothing of the print shows
    x0, y0, x1, y1 = (round(v * scale) for v in boxes["name"])
    assert picture[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1].max() > 200  # the name in question stays legible


# ------------------------------------------------------------------ the summary


def test_the_summary_counts_each_certificate_once_by_reading_and_once_by_verdict(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    rows = []
    readings = [("consistent", set()), ("consistent", set()), ("consistent", {"sex"}), ("mismatch", set())]
    for i, (verdict, review) in enumerate([*readings, ("mismatch", set()), ("needs_review", {"name"})]):
        row = scan_row(f"{i}.jpg", f"s{i}", review=review)
        row.update(verdict=verdict, registry_record=None, differences=[], advice=[])
        rows.append(row)
    unanswered = scan_row("u.jpg", "su")
    unanswered.update(verdict=None, registry_error="registry http://host/api is unreachable")
    write_rows(out, [*rows, unanswered, error_row("e.jpg", None)])
    summary = summarize(out)
    assert summary.lines("zh") == [
        "共8个文件，8份证书（PDF或TIFF的每一页算一份）",
        "识别：可靠5份，需复核2份，读取失败1份",
        "核验：一致3份，不一致2份，未查到0份，识别不确定、无法判定1份，登记库未答复1份",
    ]
    assert summary.lines("en")[1:] == [
        "Reading: 5 reliable, 2 need review, 1 could not be read",
        "Registry: 3 consistent, 2 mismatch, 0 not found, 1 undecided (reading unsure), "
        "1 not answered by the registry",
    ]
    # Where the rows were verified is named, without the password of its address.
    named = summarize(out, "http://hr:S3cret@registry.example/api").lines("zh")[2]
    assert named.startswith("核验（登记库 http://registry.example/api）：") and "S3cret" not in named


def test_the_summary_says_how_many_files_share_their_content_with_another(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    names = ["a.jpg", "a_copy.jpg", "a_copy2.jpg", "b.jpg", "b_copy.jpg", "c.jpg", "d.jpg"]
    shas = ["aa", "aa", "aa", "bb", "bb", "cc", "dd"]
    write_rows(out, [scan_row(n, s) for n, s in zip(names, shas, strict=True)])
    summary = summarize(out)
    files, _, certificates = summary.lines("zh")[0].partition("，")
    assert (files, certificates) == (
        "共7个文件（其中3个与其他文件内容相同）",
        "7份证书（PDF或TIFF的每一页算一份）",
    )
    assert summary.lines("en")[0].startswith("7 files (3 with the same content as another file), 7 certif")
    assert summary.to_json()["same_content"] == 3


def test_a_missing_input_and_a_pattern_matching_nothing_are_named(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    missing, pattern = str(tmp_path / "nosuchdir") + "/", str(tmp_path / "*.heic")
    result = runner.invoke(app, ["batch", missing, pattern, "--out", str(out)])
    assert result.exit_code == 2
    assert f"certscan: 找不到{missing}：没有这个文件或文件夹。" in result.stderr
    assert f"certscan: 通配符{pattern}没有匹配到任何文件。" in result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["error"], r["error_zh"]) for r in rows] == [
        ("no such file or folder", "没有这个文件或文件夹"),
        ("the pattern matched no file", "通配符没有匹配到任何文件"),
    ]
    english = runner.invoke(app, ["batch", missing, "--out", str(out), "--lang", "en"])
    assert english.exit_code == 2
    assert f"certscan: {missing} does not exist." in english.stderr


# ------------------------------------------------------------------ outputs that would destroy the results


@pytest.mark.parametrize("how", ["same path", "symbolic link", "hard link", "path with ..", "html"])
def test_a_report_naming_the_results_file_is_refused_before_anything_is_written(tmp_path: Path, how: str):
    folder = tmp_path / "in"
    folder.mkdir()
    out = tmp_path / "results.jsonl"
    write_rows(out, [scan_row("a.jpg", "aa")])
    before = out.read_bytes()
    option, target = "--csv", out
    if how == "symbolic link":
        target = tmp_path / "link.csv"
        target.symlink_to(out)
    elif how == "hard link":
        target = tmp_path / "hard.csv"
        os.link(out, target)
    elif how == "path with ..":
        target = folder / ".." / "results.jsonl"
    elif how == "html":
        option = "--html"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out), option, str(target)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and f"{option}与--out指向同一个文件" in result.stderr
    assert out.read_bytes() == before
    assert not out.with_suffix(".html").exists()


def test_a_report_on_a_full_disk_is_one_sentence_and_the_results_are_kept(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.jpg").write_bytes(b"")
    out = tmp_path / "results.jsonl"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out), "--csv", "/dev/full"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last == "certscan: 磁盘已满，无法写入/dev/full；请腾出空间后重新运行同一命令继续。"
    assert json.loads(out.read_text("utf-8"))["error_zh"] == "文件是空的"


# ------------------------------------------------------------------ error rows a rerun supersedes


def test_a_rerun_reading_supersedes_the_error_row_and_the_file_only_grows(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    locked = {**error_row("a.jpg", None), "error": "permission denied", "error_zh": "没有读取此文件的权限"}
    pdf_page = {**error_row("b.pdf", "bb"), "page": 2, "pages": 2}
    write_rows(out, [locked, scan_row("b.pdf", "bb", page=1, pages=2), pdf_page])
    results = ResultsFile(out)
    try:
        # Neither the failed file nor the failed page counts as done: the rerun reads them again.
        assert results.complete == set() and results.partial == {"bb": {1}}
    finally:
        results.close()
    first = out.read_bytes()
    with out.open("a", encoding="utf-8") as fh:
        for row in (scan_row("a.jpg", "aa"), scan_row("b.pdf", "bb", page=2, pages=2)):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    assert out.read_bytes().startswith(first)
    summary = summarize(out)
    assert (summary.files, summary.rows, summary.failed) == (2, 3, 0)
    csv_path, html_path = tmp_path / "results.csv", tmp_path / "report.html"
    assert write_csv(out, csv_path) == 3
    assert "没有读取此文件的权限" not in csv_path.read_text("utf-8-sig")
    assert write_html(out, html_path, None, summary) == 0


def test_two_copies_of_a_file_that_fails_both_stay_failed(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    write_rows(out, [error_row("notes.jpg", "nn"), error_row("notes_copy.jpg", "nn")])
    assert (summarize(out).rows, summarize(out).failed) == (2, 2)


# ------------------------------------------------------------------ end to end (OCR)


def gbk_named(folder: Path) -> Path:
    """Where a Windows ZIP leaves 张三.jpg: its GBK bytes, not UTF-8."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/\xd5\xc5\xc8\xfd.jpg"))


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_is_read_shown_escaped_and_resumed(samples, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples[0].image, gbk_named(folder))
    shutil.copy(samples[2].image, folder / "good.jpg")
    out, csv_path = tmp_path / "r.jsonl", tmp_path / "r.csv"
    command = [CERTSCAN, "batch", str(folder), "--out", str(out), "--csv", str(csv_path), "--workers", "1"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr and "读取失败0份" in first.stdout
    rows = {Path(r["file"]).name: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    shown = r"\xd5\xc5\xc8\xfd.jpg"
    assert set(rows) == {shown, "good.jpg"}
    assert rows[shown]["fields"]["certificate_code"]["value"] == samples[0].truth["certificate_code"]
    table = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    assert sorted(Path(t["文件"]).name for t in table) == sorted([shown, "good.jpg"])
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "本次读取0个文件，跳过已完成的2个" in again.stdout


class Refusing(BaseHTTPRequestHandler):
    """A registry service that refuses every lookup (HTTP 403)."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.mark.slow
def test_a_registry_password_is_never_printed_or_stored(samples, tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        shutil.copy(samples[0].image, folder / "a.jpg")
        out, csv_path = tmp_path / "r.jsonl", tmp_path / "r.csv"
        address = f"127.0.0.1:{server.server_address[1]}"
        command = [CERTSCAN, "batch", str(folder), "--out", str(out), "--csv", str(csv_path)]
        registry = f"http://hr:S3cret@{address}/api"
        command += ["--workers", "1", "--registry", registry, "--registry-retries", "0"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    html = out.with_suffix(".html").read_text("utf-8")
    for text in (result.stdout, result.stderr, out.read_text("utf-8"), csv_path.read_text("utf-8-sig"), html):
        assert "S3cret" not in text
    row = json.loads(out.read_text("utf-8"))
    assert row["verdict"] is None and f"http://{address}/api" in row["registry_error"]
    assert f"核验（登记库 http://{address}/api）：" in result.stdout and "登记库未答复1份" in result.stdout
