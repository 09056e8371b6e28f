"""Verification of booklets against a registry imported from a registration-system export: the
registry is compared with the registration the change record shows today (`current`), a registry
that has not caught up with a change is explained as lag naming the 批准机关, a change block read
unsurely decides nothing, and a document that is no practising certificate is never looked up.

The doctors are the generator's (scanner.synth.papers), so every layout, change item and province
it makes is met; the registry is a CSV with the export's own column names."""

from __future__ import annotations

import csv
import datetime as dt
import random
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from scanner.checks import run_checks
from scanner.fields import (
    CURRENT_KEYS,
    FIELD_ORDER,
    CertificateLayout,
    CertificateRecord,
    Change,
    Document,
    FieldKey,
    FieldResult,
    Flag,
)
from scanner.normalize import InstitutionMatcher
from scanner.pipeline import normalized_institution
from scanner.registry import RegistryEntry, RegistryError, open_registry
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.report import import_summary, verification_json, verify_summary
from scanner.synth.papers import Doctor, make_doctor
from scanner.verify import Kind, MatchedBy, Verdict, Verifier
from scanner.verify.current import booklet_view

TODAY = dt.date(2026, 12, 1)
MATCHER = InstitutionMatcher()
# The column names of the registration system's institution export, in its order.
EXPORT_HEADER = [
    "执业证书编码",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "执业级别",
    "执业类别",
    "执业范围",
    "执业地点",
    "执业地点名称",
    "审批机关",
    "发证日期",
    "执业资格证书编号",
    "首次注册时间",
    "工作科室",
]
LAYOUTS = {"old_booklet": CertificateLayout.OLD_BOOKLET, "current": CertificateLayout.CURRENT}


@dataclass(frozen=True)
class Case:
    """A generated doctor and the record a sure reading of their whole booklet gives."""

    doctor: Doctor
    record: CertificateRecord


def doctors(layout: str, count: int, seed: int) -> list[Doctor]:
    """`count` generated doctors whose booklet has at least one change block, some from other
    provinces."""
    found: list[Doctor] = []
    rng = random.Random(seed)
    while len(found) < count:
        doctor = make_doctor(random.Random(rng.random()), layout, other_province=len(found) % 4 == 3)
        if doctor.changes and len({c["date"] for c in doctor.changes}) == len(doctor.changes):
            found.append(doctor)
    return found


def sure(value: str | None) -> FieldResult:
    return FieldResult.missing() if value is None else FieldResult(value, value, 0.995)


def record_of(doctor: Doctor, file: str = "booklet.jpg") -> CertificateRecord:
    """The record of a sure reading of the whole booklet: the old booklet prints no 主要执业机构
    (its 执业地点 names the institution) and prints the qualification code; today's layout prints
    the institution and no qualification code."""
    base = doctor.base
    old = doctor.layout == "old_booklet"
    values = {**base, "qualification_code": doctor.qualification_code if old else None}
    if old:
        values["institution"] = None
    fields = {key: sure(values.get(str(key))) for key in FIELD_ORDER}
    fields[FieldKey.INSTITUTION] = normalized_institution(MATCHER, fields[FieldKey.INSTITUTION])
    fields, checks = run_checks(fields, TODAY)
    changes = tuple(
        Change(c["item"], c["value"], c["date"], c["authority"], c["new_code"], confidence=0.99)
        for c in doctor.changes
    )
    return CertificateRecord(
        file=file, fields=fields, checks=checks, layout=LAYOUTS[doctor.layout], changes=changes
    )


def export_row(doctor: Doctor, record: CertificateRecord, caught_up: bool) -> dict[str, str]:
    """The doctor's row in a registration-system export: registered where the newest change says
    (`caught_up`), or still as the booklet was printed (a registry behind the change record)."""
    base = doctor.base
    current = record.current
    assert current is not None
    old = doctor.layout == "old_booklet"
    printed_place = "重庆市" if old else base["practice_place"]  # the registry's is a province
    if caught_up:
        place = printed_place if old else current.value(FieldKey.PRACTICE_PLACE) or ""
        newest = record.changes[current.from_change] if current.from_change is not None else None
        row = {
            "执业证书编码": current.value(FieldKey.CERTIFICATE_CODE) or "",
            "执业地点": place,
            "执业地点名称": current.value(FieldKey.INSTITUTION) or "",
            "执业范围": current.value(FieldKey.SCOPE) or "",
            # A registration moved by a change sits with the authority that approved it.
            "审批机关": (newest.authority if newest and newest.authority else base["authority"]),
        }
    else:
        row = {
            "执业证书编码": base["certificate_code"],
            "执业地点": printed_place,
            "执业地点名称": base["institution"],
            "执业范围": base["scope"],
            "审批机关": base["authority"],
        }
    return {
        **row,
        "姓名": base["name"],
        "性别": base["sex"],
        "出生日期": base["birth_date"],
        "身份证号": base["id_number"],
        "执业级别": base["level"],
        "执业类别": base["category"],
        "发证日期": base["issue_date"],
        "执业资格证书编号": doctor.qualification_code,
        "首次注册时间": base["issue_date"].replace("-", "/"),
        "工作科室": "内科",
    }


def write_export(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    found = doctors("old_booklet", 12, 19) + doctors("current", 12, 20)
    return [Case(d, record_of(d, f"{i:02d}_{d.layout}.jpg")) for i, d in enumerate(found)]


def registry_of(tmp: Path, cases: list[Case], caught_up: bool) -> SqliteRegistry:
    rows = [export_row(c.doctor, c.record, caught_up) for c in cases]
    store = SqliteRegistry.create(tmp / "registry.db")
    report = import_csv(write_export(tmp / "export.csv", rows), store)
    assert (report.rejected, report.added) == ([], len(cases))
    # Columns with no canonical field are taken and set aside, never an error.
    assert set(report.ignored_columns) == {"首次注册时间", "工作科室"}
    return store


@pytest.fixture(scope="module")
def caught_up(tmp_path_factory, cases):
    store = registry_of(tmp_path_factory.mktemp("caught_up"), cases, caught_up=True)
    yield Verifier(store, MATCHER)
    store.close()


@pytest.fixture(scope="module")
def behind(tmp_path_factory, cases):
    store = registry_of(tmp_path_factory.mktemp("behind"), cases, caught_up=False)
    yield Verifier(store, MATCHER)
    store.close()


def test_the_view_verification_compares_is_the_records_current_registration(cases):
    for case in cases:
        view, current = booklet_view(case.record), case.record.current
        assert current is not None
        assert {k: view.fields[k].value for k in CURRENT_KEYS} == current.values, case.record.file
        assert view.change_of(FieldKey.INSTITUTION) in (None, *range(len(case.record.changes)))


def test_a_doctor_registered_where_the_newest_change_says_is_consistent(cases, caught_up):
    for case in cases:
        v = caught_up.verify(case.record)
        assert v.verdict is Verdict.CONSISTENT, (case.record.file, v.differences)
        assert v.matched_by is MatchedBy.CODE_AND_NAME


def test_a_registry_behind_the_change_record_is_a_mismatch_explained_as_lag(cases, behind):
    lagging = 0
    for case in cases:
        record = case.record
        v = behind.verify(record)
        current = record.current
        assert current is not None
        moved = current.from_change is not None
        if not moved:
            assert v.verdict is Verdict.CONSISTENT
            continue
        lagging += 1
        assert v.verdict is Verdict.MISMATCH, (record.file, v.differences)
        assert v.differences and all(d.kind is Kind.REGISTRY_LAG and d.sure for d in v.differences)
        row = verification_json(v, "zh")
        steps = " ".join(row["advice"])
        english = " ".join(verification_json(v, "en")["advice"])
        # The advice names the 批准机关 and the date of the change behind each difference (the one
        # that set the differing value, not always the newest: a later scope change leaves the
        # institution alone); never a forgery.
        for difference in v.differences:
            assert difference.change is not None
            change = record.changes[difference.change]
            assert change.authority and change.authority in steps and str(change.date) in steps
            assert change.authority in english
        assert "伪造" not in steps and "公安" not in steps
        assert all("尚未进入登记" in d["explanation"] for d in row["differences"])
        assert "caught up" in english
    assert lagging >= 12


def test_the_old_booklets_practice_place_is_not_compared_with_a_registrys_province(cases, caught_up):
    old = next(c for c in cases if c.doctor.layout == "old_booklet")
    place = old.record.fields[FieldKey.PRACTICE_PLACE].value
    v = caught_up.verify(old.record)
    assert v.entry is not None and v.entry.practice_place == "重庆市" and place != "重庆市"
    assert FieldKey.PRACTICE_PLACE not in [d.field for d in v.differences]
    # Today's layout prints a province there, and it is compared.
    current = next(c for c in cases if c.doctor.layout == "current")
    elsewhere = replace(
        current.record, fields={**current.record.fields, FieldKey.PRACTICE_PLACE: sure("贵州省")}
    )
    moved = [c for c in elsewhere.changes if "执业地点" in (c.item or "")]
    if not moved:
        assert [d.field for d in caught_up.verify(elsewhere).differences] == [FieldKey.PRACTICE_PLACE]


def test_a_change_read_unsurely_decides_nothing(cases, behind, caught_up):
    case = next(c for c in cases if c.record.current and c.record.current.from_change is not None)
    record = case.record
    index = record.current.from_change if record.current else None
    assert index is not None
    doubtful = record.changes[index].with_flags(Flag.LOW_CONFIDENCE)
    changes = tuple(doubtful if i == index else c for i, c in enumerate(record.changes))
    unsure = replace(record, changes=changes)
    v = behind.verify(unsure)
    assert v.verdict is Verdict.NEEDS_REVIEW and not any(d.sure for d in v.differences)
    assert index in v.doubtful_changes
    assert any(f"第{index + 1}条变更注册记录" in step for step in verification_json(v, "zh")["advice"])
    # Where the registry agrees with what the unsure block says, nothing is left to decide.
    assert caught_up.verify(unsure).verdict is Verdict.CONSISTENT
    # A block whose value was not read leaves the fields it sets undecided, even where they agree.
    blank = tuple(replace(c, value=None) if i == index else c for i, c in enumerate(record.changes))
    assert behind.verify(replace(record, changes=blank)).verdict is Verdict.NEEDS_REVIEW


def test_a_new_code_from_a_change_is_looked_up_then_the_printed_one(tmp_path, cases):
    case = cases[0]
    record = case.record
    changes = (
        *record.changes,
        Change("变更注册", None, "2026-06-01", "重庆市卫生健康委员会", "115001099990001"),
    )
    renewed = replace(record, changes=changes)
    current = renewed.current
    assert current is not None and current.value(FieldKey.CERTIFICATE_CODE) == "115001099990001"
    store = registry_of(tmp_path, [Case(case.doctor, renewed)], caught_up=False)
    try:
        v = Verifier(store, MATCHER).verify(renewed)
        # Found under the printed code: the registry has not caught up with the new one.
        assert v.matched_by is MatchedBy.CODE_AND_NAME and v.verdict is Verdict.MISMATCH
        code = next(d for d in v.differences if d.field is FieldKey.CERTIFICATE_CODE)
        assert (code.kind, code.certificate, code.registry) == (
            Kind.REGISTRY_LAG,
            "115001099990001",
            case.doctor.base["certificate_code"],
        )
        assert not any("伪造" in step for step in verification_json(v, "zh")["advice"])
    finally:
        store.close()


def test_another_document_is_never_looked_up_and_the_advice_says_what_it_is(cases, caught_up):
    base = cases[0].record
    for document, words_zh, words_en in (
        (
            Document.QUALIFICATION,
            ("医师资格证书", "考试", "医师执业证书"),
            ("exam", "practising certificate"),
        ),
        (Document.TITLE, ("职称", "医师执业证书"), ("title", "practising certificate")),
        (Document.ID_CARD, ("身份证件", "医师执业证书"), ("identity card",)),
    ):
        # The same doctor's name and codes: a lookup would find them, and must not be made.
        offered = replace(base, document=document, layout=None, changes=())
        v = caught_up.verify(offered)
        assert (v.verdict, v.entry, v.matched_by, v.differences) == (Verdict.WRONG_DOCUMENT, None, None, ())
        row = verification_json(v, "zh")
        assert row["verdict"] == "wrong_document" and row["document"] == str(document)
        assert row["current"] is None
        assert all(w in " ".join(row["advice"]) for w in words_zh), row["advice"]
        english = " ".join(verification_json(v, "en")["advice"])
        assert all(w in english for w in words_en), english
        assert verify_summary(v).splitlines()[1] == "  结论：✘ 不是执业证书：图中没有医师执业证书"


def test_qualification_codes_are_compared_when_both_sides_hold_one(cases, caught_up):
    old = next(c for c in cases if c.doctor.layout == "old_booklet").record
    other = "2".ljust(27, "1")
    altered = replace(old, fields={**old.fields, FieldKey.QUALIFICATION_CODE: sure(other)})
    v = caught_up.verify(altered)
    assert v.verdict is Verdict.MISMATCH
    [d] = v.differences
    assert (d.field, d.kind, d.certificate) == (FieldKey.QUALIFICATION_CODE, Kind.QUALIFICATION_CODE, other)
    assert "资格证书编码" in verification_json(v, "zh")["differences"][0]["explanation"]
    # Today's layout prints none: the registry's is not compared, and not waited for.
    current = next(c for c in cases if c.doctor.layout == "current").record
    assert current.value(FieldKey.QUALIFICATION_CODE) is None
    assert caught_up.verify(current).verdict is Verdict.CONSISTENT


def test_a_registry_made_before_qualification_codes_still_reads_and_takes_them_on_import(tmp_path, cases):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta VALUES ('schema_version', '2');
        CREATE TABLE doctors (certificate_code TEXT NOT NULL, name TEXT NOT NULL, sex TEXT,
            birth_date TEXT, id_number TEXT, level TEXT, category TEXT, scope TEXT, practice_place TEXT,
            institution TEXT, authority TEXT, issue_date TEXT, source TEXT);
        CREATE UNIQUE INDEX doctors_code ON doctors (certificate_code);
        CREATE TABLE sites (certificate_code TEXT NOT NULL, institution TEXT NOT NULL,
            position INTEGER NOT NULL, PRIMARY KEY (certificate_code, institution)) WITHOUT ROWID;
        INSERT INTO doctors (certificate_code, name) VALUES ('110500012345678', '张三');"""
    )
    db.commit()
    db.close()
    reader = open_registry(path)
    try:
        [entry] = reader.by_code("110500012345678")
        assert entry.name == "张三" and entry.qualification_code is None
        assert entry.to_json()["qualification_code"] is None
    finally:
        reader.close()
    case = next(c for c in cases if c.doctor.layout == "old_booklet")
    writer = SqliteRegistry.create(path)
    try:
        report = import_csv(
            write_export(tmp_path / "e.csv", [export_row(case.doctor, case.record, True)]), writer
        )
        assert (report.added, report.rejected) == (1, [])
        [entry] = writer.by_code(case.record.value(FieldKey.CERTIFICATE_CODE) or "")
        assert entry.qualification_code == case.doctor.qualification_code
        assert writer.by_code("110500012345678")[0].qualification_code is None
    finally:
        writer.close()


def test_a_qualification_code_a_spreadsheet_rounded_is_left_blank_and_the_doctor_kept(tmp_path, cases):
    case = cases[0]
    row = export_row(case.doctor, case.record, True)
    broken = {**row, "执业资格证书编号": "2.01111E+23"}
    store = SqliteRegistry.create(tmp_path / "r.db")
    try:
        report = import_csv(write_export(tmp_path / "e.csv", [broken]), store)
        assert (report.added, report.rejected) == (1, [])
        [note] = report.cleared
        assert note.line == 2 and "科学计数法" in note.reason_zh and "left blank" in note.reason
        assert f"  第2行：{note.reason_zh}" in import_summary(report, "r.db").splitlines()
        assert f"  line 2: {note.reason}" in import_summary(report, "r.db", "en").splitlines()
        [entry] = store.by_code(row["执业证书编码"])
        assert entry.qualification_code is None
    finally:
        store.close()


def test_a_row_written_before_documents_were_told_apart_verifies_as_before(cases, caught_up):
    current = next(c for c in cases if c.doctor.layout == "current" and not c.record.changes[0].new_code)
    # The printed certificate of today's layout, before change records were read.
    printed = replace(current.record, changes=())
    row = printed.to_json()
    for key in ("document", "layout", "changes", "current"):
        row.pop(key)
    again = CertificateRecord.from_json(row)
    assert (again.document, again.layout, again.changes) == (
        Document.PRACTISING,
        CertificateLayout.CURRENT,
        (),
    )
    v = caught_up.verify(again)
    assert v.verdict in (Verdict.CONSISTENT, Verdict.MISMATCH)
    if v.verdict is Verdict.MISMATCH:
        # The registry holds the changed registration the old row knows nothing of: a plain difference.
        assert all(d.kind is not Kind.REGISTRY_LAG and d.change is None for d in v.differences)


def test_an_http_registry_may_answer_qualification_codes_or_leave_them_out():
    answer = {"name": "张三", "certificate_code": "110500012345678", "qualification_code": "2".ljust(27, "0")}
    entry = RegistryEntry.from_json(answer)
    assert entry.qualification_code == "2".ljust(27, "0")
    assert RegistryEntry.from_json(entry.to_json()) == entry
    assert RegistryEntry.from_json({**answer, "qualification_code": None}).qualification_code is None
    del answer["qualification_code"]
    assert RegistryEntry.from_json(answer).qualification_code is None
    with pytest.raises(RegistryError, match="qualification_code is a number"):
        RegistryEntry.from_json({**answer, "qualification_code": 2})


def test_an_export_whose_practice_place_names_the_institution_compares_it_with_the_institution(
    tmp_path, cases
):
    case = next(c for c in cases if c.doctor.layout == "current")
    current = case.record.current
    assert current is not None
    row = export_row(case.doctor, case.record, caught_up=True)
    # Registration exports may give the place one is registered at, the institution, as 执业地点.
    store = SqliteRegistry.create(tmp_path / "r.db")
    try:
        import_csv(write_export(tmp_path / "e.csv", [{**row, "执业地点": row["执业地点名称"]}]), store)
        verifier = Verifier(store, MATCHER)
        assert verifier.verify(case.record).verdict is Verdict.CONSISTENT
        # Another institution there is a difference, surely read.
        import_csv(write_export(tmp_path / "f.csv", [{**row, "执业地点": "重庆市急救医疗中心"}]), store)
        v = verifier.verify(case.record)
        assert v.verdict is Verdict.MISMATCH
        assert [(d.field, d.sure) for d in v.differences] == [(FieldKey.PRACTICE_PLACE, True)]
    finally:
        store.close()
    # A layout not told apart leaves the place uncompared: it may name an institution.
    unknown = replace(case.record, layout=None)
    assert (
        FieldKey.PRACTICE_PLACE not in booklet_view(unknown).fields or not booklet_view(unknown).compare_place
    )


def test_a_place_that_names_an_institution_on_todays_layout_decides_nothing(cases, caught_up):
    # An old booklet taken for today's layout: its 执业地点 (an institution) against a province.
    case = next(c for c in cases if c.doctor.layout == "current" and not _moves_place(c.record))
    misread = replace(
        case.record, fields={**case.record.fields, FieldKey.PRACTICE_PLACE: sure("重庆市中医院")}
    )
    v = caught_up.verify(misread)
    assert v.verdict is Verdict.NEEDS_REVIEW and FieldKey.PRACTICE_PLACE in v.doubtful
    assert [(d.field, d.sure) for d in v.differences] == [(FieldKey.PRACTICE_PLACE, False)]


def test_a_change_block_whose_item_was_not_read_leaves_the_registration_undecided(cases, caught_up):
    case = next(c for c in cases if c.record.current and c.record.current.from_change is not None)
    record = case.record
    unread = replace(record, changes=(*record.changes, Change(None, "重庆市人民医院", "2026-10-01", None)))
    v = caught_up.verify(unread)
    # The registry agrees with what was read, but an unread change may have moved the doctor since.
    assert v.verdict is Verdict.NEEDS_REVIEW
    assert {d.field for d in v.differences} <= set(CURRENT_KEYS) and not any(d.sure for d in v.differences)


def _moves_place(record: CertificateRecord) -> bool:
    return any("执业地点" in (c.item or "") for c in record.changes)


def test_a_lagging_change_read_in_doubt_is_named_in_the_advice_all_the_same(cases, behind):
    # A scope change read surely makes the mismatch; the institution's change, read in doubt, explains
    # the other difference: it is checked against the booklet first, then confirmed with its 批准机关.
    found = 0
    for case in cases:
        record, current = case.record, case.record.current
        assert current is not None
        institution = booklet_view(record).change_of(FieldKey.INSTITUTION)
        differ = {d.field for d in behind.verify(record).differences}
        if institution is None or differ != {FieldKey.INSTITUTION, FieldKey.SCOPE}:
            continue
        if booklet_view(record).change_of(FieldKey.SCOPE) == institution:
            continue
        changes = list(record.changes)
        changes[institution] = changes[institution].with_flags(Flag.LOW_CONFIDENCE)
        v = behind.verify(replace(record, changes=tuple(changes)))
        assert v.verdict is Verdict.MISMATCH, (record.file, v.differences)
        doubted = record.changes[institution]
        for lang, unsure in (("zh", "识别把握不足"), ("en", "without enough certainty")):
            advice = verification_json(v, lang)["advice"]
            said = [i for i, a in enumerate(advice) if unsure in a and doubted.date in a]
            assert said and doubted.authority in " ".join(advice[said[0] :]), (lang, advice)
        found += 1
    assert found >= 1
