"""Batch rows of booklets and other documents in the reports: the CSV and HTML name the document and
layout, count the change blocks and show the newest one and the institution the doctor is registered
at now; another document is flagged; rows written before documents were told apart still read; and
the HR roster is compared with where the certificate says the doctor works now."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

from test_verify_booklets import doctors, record_of

from scanner.batch import ResultsFile
from scanner.batch.report import Outcome, Reading, outcome, summarize, write_csv, write_html
from scanner.batch.roster import Roster, RosterField
from scanner.fields import CertificateRecord, Document, FieldKey, Flag
from scanner.normalize import InstitutionMatcher


def rows_of_booklets() -> tuple[list[dict], CertificateRecord, CertificateRecord]:
    """Rows as `certscan batch` writes them: an old booklet, today's layout with a change read
    unsurely, a 医师资格证书, and a row written before documents were told apart."""
    old = record_of(doctors("old_booklet", 1, 19)[0], "old.jpg")
    today = record_of(doctors("current", 1, 20)[0], "today.jpg")
    today = replace(today, changes=(today.changes[0].with_flags(Flag.LOW_CONFIDENCE), *today.changes[1:]))
    qualification = replace(old, file="qualification.jpg", document=Document.QUALIFICATION, layout=None)
    earlier = replace(record_of(doctors("current", 2, 21)[1], "earlier.jpg"), changes=()).to_json()
    for key in ("document", "layout", "changes", "current"):
        del earlier[key]
    rows = [r.to_json() for r in (old, today, qualification)] + [earlier]
    for number, row in enumerate(rows):
        row.update(sha256=f"{number:064d}", pages=1)
    return rows, old, today


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_csv_names_document_layout_changes_and_current_institution(tmp_path: Path):
    rows, record, _ = rows_of_booklets()
    out = write_rows(tmp_path / "results.jsonl", rows)
    assert write_csv(out, tmp_path / "r.csv") == 4
    table = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    old, today, qualification, earlier = table
    newest, current = record.changes[-1], record.current
    assert current is not None
    assert (old["证件"], old["版式"], old["变更次数"]) == (
        "医师执业证书",
        "旧版卫生部证书本",
        str(len(record.changes)),
    )
    assert old["最近变更"] == f"{newest.date} {newest.item}：{newest.value}（{newest.authority}）"
    assert old["当前执业机构"] == current.value(FieldKey.INSTITUTION)
    # The old booklet prints no 主要执业机构: its empty institution is nothing to review.
    assert (old["结果"], old["需复核字段"]) == ("可靠", "")
    assert (today["结果"], today["需复核字段"]) == ("需复核", "变更注册记录第1条")
    assert (qualification["证件"], qualification["结果"]) == ("医师资格证书", "不是执业证书")
    assert qualification["版式"] == qualification["变更次数"] == qualification["当前执业机构"] == ""
    institution = rows[3]["fields"]["institution"]["value"]
    assert (earlier["证件"], earlier["版式"], earlier["变更次数"], earlier["最近变更"]) == (
        "医师执业证书",
        "现行版式",
        "0",
        "",
    )
    assert earlier["当前执业机构"] == institution and earlier["结果"] == "可靠"
    write_csv(out, tmp_path / "en.csv", lang="en")
    english = list(csv.DictReader(io.StringIO((tmp_path / "en.csv").read_text("utf-8-sig"))))
    assert (english[0]["document"], english[0]["layout"]) == ("practising_certificate", "old_booklet")
    assert english[2]["outcome"] == "not a practising certificate"


def test_the_html_report_shows_the_change_record_and_what_another_document_is(tmp_path: Path):
    rows, _, today = rows_of_booklets()
    out = write_rows(tmp_path / "results.jsonl", rows)
    summary = summarize(out)
    assert (summary.rows, summary.readings[Reading.OK], summary.readings[Reading.NEEDS_REVIEW]) == (4, 3, 1)
    assert [outcome(r) for r in rows] == [
        Outcome.OK,
        Outcome.NEEDS_REVIEW,
        Outcome.WRONG_DOCUMENT,
        Outcome.OK,
    ]
    write_html(out, tmp_path / "r.html", None, summary)
    page = (tmp_path / "r.html").read_text("utf-8")
    first = today.changes[0]
    # The change read unsurely, whole: its date is no personal data.
    assert f"变更注册记录第1条</b> {first.date} {first.item}：{first.value}" in page
    assert "<b>版式：</b> 现行版式" in page and "当前执业机构：" in page
    assert "<b>证件：</b> 医师资格证书" in page and "qualification.jpg" in page
    assert "old.jpg" not in page and "earlier.jpg" not in page
    # ID numbers stay masked.
    assert all(r["fields"]["id_number"]["value"] not in page for r in rows)


def test_a_rerun_resumes_over_rows_of_either_age(tmp_path: Path):
    rows, _, _ = rows_of_booklets()
    out = write_rows(tmp_path / "results.jsonl", rows)
    results = ResultsFile(out)
    try:
        assert results.complete == {r["sha256"] for r in rows} and results.rows == 4
    finally:
        results.close()


def test_the_roster_is_compared_with_where_the_booklet_says_the_doctor_works_now(tmp_path: Path):
    old = record_of(doctors("old_booklet", 1, 19)[0], "old.jpg")
    current = old.current
    assert current is not None and current.from_change is not None
    now, printed = current.value(FieldKey.INSTITUTION), old.value(FieldKey.PRACTICE_PLACE)
    assert now and printed and now != printed
    matcher = InstitutionMatcher()
    for institution, disagree in ((now, ()), (printed, (RosterField.INSTITUTION,))):
        roster_csv = tmp_path / "roster.csv"
        roster_csv.write_text(f"文件,姓名,机构\nold.jpg,{old.value(FieldKey.NAME)},{institution}\n", "utf-8")
        check = Roster.read(roster_csv).check(old, matcher)
        assert check is not None and (check.disagree, check.unsure) == (disagree, ())


def test_no_change_record_cell_starts_a_formula(tmp_path: Path):
    _, record, _ = rows_of_booklets()
    hostile = '=HYPERLINK("http://example.invalid","x")'
    change = replace(record.changes[-1], value=hostile, date=None, item="+执业地点变更")
    forged = replace(record, changes=(*record.changes[:-1], change)).to_json()
    forged.update(sha256="f" * 64, pages=1)
    out = write_rows(tmp_path / "results.jsonl", [forged])
    write_csv(out, tmp_path / "r.csv")
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    assert row["当前执业机构"] == "'" + hostile
    assert row["最近变更"].startswith("— +执业地点变更：=HYPERLINK")  # a dash first: never a formula
