"""The batch output file, inputs and reports, without OCR: resume bookkeeping, torn lines, the lock,
input discovery, the summary, the CSV for Excel/WPS and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_id
from PIL import Image

from scanner.batch import BatchError, ResultsFile, discover, file_sha256
from scanner.batch.report import Reading, summarize, thumbnail_name, write_csv, write_html
from scanner.fields import FIELD_ORDER

ID = make_id()


def scan_row(file: str, sha: str, review: set[str] = frozenset(), page: int | None = None, pages: int = 1):
    fields = {
        str(k): {"value": ID if str(k) == "id_number" else f"v-{k}", "review": str(k) in review, "flags": []}
        for k in FIELD_ORDER
    }
    for key in review:
        fields[key]["flags"] = ["low_confidence"]
    fields["certificate_code"]["value"] = "215001098582736"
    row = {"file": file, "fields": fields, "checks": [], "warnings": [], "error": None, "sha256": sha}
    if page is not None:
        row["page"] = page
    row["pages"] = pages
    return row


def error_row(file: str, sha: str | None):
    return {"file": file, "error": "the file is empty", "error_zh": "文件是空的", "sha256": sha, "pages": 1}


def write_rows(path: Path, rows, tail: str = "") -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + tail, encoding="utf-8")


def test_a_torn_last_line_is_cut_off_and_finished_files_are_known(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    rows = [scan_row("a.jpg", "aa"), scan_row("b.pdf", "bb", page=1, pages=2), error_row("e.jpg", None)]
    write_rows(out, rows, tail='{"file": "c.jpg", "fie')
    results = ResultsFile(out)
    try:
        # The error row of e.jpg does not make it done: a rerun tries it again.
        assert results.complete == {"aa"}
        # Page 1 of the two-page PDF is done; only page 2 is still to read.
        assert results.partial == {"bb": {1}}
        assert results.rows == 3
    finally:
        results.close()
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == 3 and all(json.loads(line) for line in lines)


def test_appended_rows_are_whole_lines(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    results = ResultsFile(out)
    results.append([scan_row("a.jpg", "aa"), scan_row("b.jpg", "bb")])
    results.close()
    reopened = ResultsFile(out)
    assert reopened.complete == {"aa", "bb"}
    reopened.close()
    assert out.read_bytes().endswith(b"\n")


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    first = ResultsFile(out)
    try:
        with pytest.raises(BatchError, match="another certscan batch run is writing"):
            ResultsFile(out)
    finally:
        first.close()


def test_an_output_that_is_not_batch_rows_is_refused(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    out.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r"line 1 of .* is not a certscan batch row"):
        ResultsFile(out)


def test_folders_are_read_recursively_globs_expanded_and_missing_inputs_kept(tmp_path: Path):
    (tmp_path / "hr" / "2024").mkdir(parents=True)
    (tmp_path / "hr" / ".cache").mkdir()
    names = ("hr/a.jpg", "hr/2024/b.PDF", "hr/2024/c.heic", "hr/notes.txt", "hr/.DS_Store", "hr/.cache/x.jpg")
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    found = list(discover([str(tmp_path / "hr"), str(tmp_path / "hr" / "*.jpg"), str(tmp_path / "gone.jpg")]))
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    # Each file once, even when named twice; the missing input stays, to get its error row.
    assert names == ["hr/a.jpg", "hr/2024/b.PDF", "hr/2024/c.heic", "gone.jpg"]


def test_a_glob_matching_nothing_stays_an_input(tmp_path: Path):
    pattern = str(tmp_path / "*.jpg")
    assert [str(p) for p in discover([pattern])] == [pattern]


def test_files_are_keyed_by_content_and_empty_files_by_path(tmp_path: Path):
    a, b, empty = tmp_path / "a.jpg", tmp_path / "renamed.jpg", tmp_path / "empty.jpg"
    a.write_bytes(b"same content")
    b.write_bytes(b"same content")
    empty.write_bytes(b"")
    assert file_sha256(a) == file_sha256(b) and len(file_sha256(a) or "") == 64
    assert file_sha256(empty) is None and file_sha256(tmp_path / "missing.jpg") is None


def test_summary_counts_scan_outcomes_and_roster_disagreements(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    disagreeing = scan_row("c.jpg", "cc")
    disagreeing["roster"] = {"name": "张三", "institution": "", "disagree": ["name"], "unsure": []}
    rows = [
        scan_row("a.jpg", "aa"),
        scan_row("b.pdf", "bb", review={"sex"}, page=1, pages=2),
        scan_row("b.pdf", "bb", page=2, pages=2),
        disagreeing,
        error_row("e.jpg", None),
    ]
    write_rows(out, rows)
    summary = summarize(out)
    assert (summary.files, summary.rows, summary.failed, summary.roster_disagree) == (4, 5, 1, 1)
    assert summary.readings[Reading.OK] == 3 and summary.readings[Reading.NEEDS_REVIEW] == 1
    assert summary.lines("zh")[:2] == [
        "共4个文件，5份证书（PDF或TIFF的每一页算一份）",
        "识别：可靠3份，需复核1份，读取失败1份",
    ]
    assert summary.to_json()["needs_review"] == 1


def test_summary_counts_verdicts_when_rows_carry_them(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    rows = []
    verdicts = ["consistent", "consistent", "mismatch", "not_found", "invalid", "needs_review"]
    for i, verdict in enumerate(verdicts):
        row = scan_row(f"{i}.jpg", f"s{i}")
        row.update(verdict=verdict, registry_record=None, differences=[], advice=[])
        rows.append(row)
    write_rows(out, [*rows, error_row("e.jpg", None)])
    summary = summarize(out)
    # Each row counted once by how it was read (6 read surely, 1 failed) and once by its verdict.
    assert summary.to_json() == {
        "files": 7,
        "same_content": 0,
        "rows": 7,
        "ok": 6,
        "needs_review": 0,
        "failed": 1,
        "verdicts": {
            "consistent": 2,
            "mismatch": 1,
            "not_found": 1,
            "invalid": 1,
            "wrong_document": 0,
            "needs_review": 1,
        },
        "registry_unanswered": 0,
        "roster_disagree": 0,
        "roster_unsure": 0,
    }
    assert summary.lines("zh")[2] == "核验：一致2份，不一致1份，未查到1份，无效1份，识别不确定、无法判定1份"
    assert "1 not found" in summary.lines("en")[2]


def test_csv_opens_in_excel_with_chinese_headers_and_whole_id_numbers(tmp_path: Path):
    out, csv_path = tmp_path / "results.jsonl", tmp_path / "results.csv"
    write_rows(out, [scan_row("张三.jpg", "aa", review={"sex"}), error_row("e.jpg", None)])
    assert write_csv(out, csv_path) == 2
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel and WPS need to see UTF-8
    text = data.decode("utf-8-sig")
    header, first, second = text.splitlines()
    assert header.startswith("文件,页,结果,需复核字段,错误,姓名,性别,出生日期,身份证号")
    # ID number and certificate code as text: a zero-width space keeps Excel from rounding them.
    assert f"\u200b{ID}" in first and "\u200b215001098582736" in first
    assert first.startswith("张三.jpg,,需复核,性别,")
    assert second.startswith("e.jpg,,读取失败,,文件是空的")
    write_csv(out, csv_path, lang="en")
    assert csv_path.read_text("utf-8-sig").startswith("file,page,outcome,review,error,name,sex")


def test_html_report_lists_rows_needing_attention_with_thumbnails(tmp_path: Path):
    out, html_path, thumbs = tmp_path / "results.jsonl", tmp_path / "report.html", tmp_path / "thumbs"
    thumbs.mkdir()
    Image.new("RGB", (48, 32), (200, 30, 30)).save(thumbs / thumbnail_name("bb", 2), "JPEG")
    rows = [scan_row("a.jpg", "aa"), scan_row("b.pdf", "bb", review={"id_number"}, page=2, pages=2)]
    write_rows(out, [*rows, error_row("broken.jpg", None)])
    listed = write_html(out, html_path, thumbs, summarize(out))
    page = html_path.read_text("utf-8")
    assert listed == 2
    assert "需要关注的证书（2份）" in page
    assert "b.pdf<br>第2页" in page and "broken.jpg" in page and "a.jpg" not in page
    assert "data:image/jpeg;base64," in page
    assert "身份证号" in page and "识别把握不足" in page
    # People read the report: the ID number is masked there, to its region and check character.
    assert ID not in page and ID[:6] + "*" * 11 + ID[-1] in page
    assert "文件是空的" in page
