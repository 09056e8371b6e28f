"""The official check on the review desk: what the national query asks for (省份 from the 发证机关,
the doctor's name, the institution's full official name as registered today), and what a reviewer
recorded it showing, compared field by field, audited, saved and exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from test_registry import write_csv, zhang
from test_verify import reading

from scanner.checks import run_checks
from scanner.fields import (
    FIELD_ORDER,
    CertificateLayout,
    CertificateRecord,
    Change,
    FieldKey,
    FieldResult,
    Flag,
)
from scanner.normalize import InstitutionMatcher
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.review.desk import ReviewDesk
from scanner.review.official import OFFICIAL_ADDRESS, official_query, province_of
from scanner.review.session import ReviewRefused
from scanner.synth.papers import Doctor, make_doctor
from scanner.synth.papers import province_of as issuing_province

TODAY = dt.date(2026, 12, 6)
MATCHER = InstitutionMatcher()


# ------------------------------------------------------------------ shared with the other desk tests


def booklet_doctor(layout: str, wanted: str, other_province: bool = False) -> Doctor:
    """The first generated doctor (seeds 0, 1, ...) whose newest change is of the `wanted` kind."""
    for seed in range(400):
        doctor = make_doctor(random.Random(seed), layout, other_province)
        if doctor.changes and wanted in doctor.changes[-1]["item"]:
            return doctor
    raise AssertionError(f"no generated {layout} doctor whose newest change is {wanted}")


def record_of(doctor: Doctor, file: str = "booklet.jpg", doubtful_changes: bool = False) -> CertificateRecord:
    """The reading of a booklet as the scanner gives it when it reads every page right: the fields
    printed on the booklet's own layout, and its change blocks (read unsurely if asked)."""
    old = doctor.layout == "old_booklet"
    fields = {}
    for key in FIELD_ORDER:
        value = doctor.base.get(str(key))
        if key is FieldKey.QUALIFICATION_CODE:
            value = doctor.qualification_code if old else None
        if key is FieldKey.INSTITUTION and old:
            value = None  # the old booklet prints no 主要执业机构: 执业地点 names the institution
        fields[key] = FieldResult(value, value, 0.99) if value else FieldResult.missing()
    fields, checks = run_checks(fields, TODAY)
    flags = (Flag.LOW_CONFIDENCE,) if doubtful_changes else ()
    changes = tuple(
        Change(c["item"], c["value"], c["date"], c["authority"], c["new_code"], 0.97, flags)
        for c in doctor.changes
    )
    layout = CertificateLayout.OLD_BOOKLET if old else CertificateLayout.CURRENT
    return CertificateRecord(file, fields, checks, layout=layout, changes=changes)


def results_file(path: Path, records: list[CertificateRecord]) -> Path:
    path.write_text("".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def desk_with(tmp_path: Path, records: list[CertificateRecord], **kw) -> ReviewDesk:
    desk = ReviewDesk(tmp_path / "out" / "reviewed.jsonl", today=TODAY, **kw)
    desk.add_results(results_file(tmp_path / "results.jsonl", records))
    return desk


def audit_lines(desk: ReviewDesk) -> list[dict]:
    return [json.loads(line) for line in desk.audit_file.read_text("utf-8").splitlines()]


# ------------------------------------------------------------------ the province


@pytest.mark.parametrize(
    ("authority", "province"),
    [
        ("重庆市渝中区卫生健康委员会", "重庆市"),
        ("重庆市卫生和计划生育委员会", "重庆市"),
        # Not prefixed by the city, and under a former name (璧山县 until 2014, 万县 until 1997):
        # GB/T 2260 listed both under Sichuan once, but they are Chongqing's.
        ("璧山县卫生局", "重庆市"),
        ("万县卫生局", "重庆市"),
        ("成都市武侯区卫生和计划生育委员会", "四川省"),
        ("北京市朝阳区卫生健康委员会", "北京市"),
        ("海淀区卫生局", "北京市"),
        ("贵阳市卫生健康委员会", "贵州省"),
        ("内蒙古自治区卫生健康委员会", "内蒙古自治区"),
        # Beijing and Changchun both have a 朝阳区, Chongqing and Ningbo a 江北区: no guess.
        ("朝阳区卫生局", None),
        ("江北区卫生局", None),
        ("中华人民共和国卫生部", None),
        (None, None),
    ],
)
def test_the_province_comes_from_the_authority_only_when_it_tells(authority, province):
    assert province_of(authority) == province


# ------------------------------------------------------------------ what the query asks for


def test_the_query_names_the_institution_a_booklet_shows_today_under_its_full_name():
    doctor = booklet_doctor("old_booklet", "执业地点变更")
    record = record_of(doctor)
    moved_to = doctor.changes[-1]["value"]
    query = official_query(record, MATCHER)
    fields = {f["key"]: f for f in query["fields"]}
    assert [f["key"] for f in query["fields"]] == ["province", "name", "institution"]
    assert [f["label"] for f in query["fields"]] == ["省份", "医师姓名", "所在医疗机构"]
    assert fields["name"]["value"] == doctor.base["name"] and fields["name"]["sure"]
    assert fields["province"]["value"] == "重庆市" and fields["province"]["sure"]
    assert doctor.changes[-1]["authority"] in fields["province"]["note"]
    # Not the institution printed on p3 (执业地点) but the one the newest change moved the doctor to.
    assert moved_to != doctor.base["practice_place"]
    assert fields["institution"]["value"] == MATCHER.match(moved_to).match == moved_to
    assert doctor.changes[-1]["date"] in fields["institution"]["note"]
    assert query["address"] == OFFICIAL_ADDRESS == "https://zgcx.nhc.gov.cn/doctor"
    assert any(".gov.cn" in note for note in query["notes"])
    assert any("验证码" in note for note in query["notes"]) and query["recorded"] is None


def test_a_short_institution_name_is_given_in_full_and_an_unknown_one_is_not_invented():
    short = reading(zhang(), institution="重医附一院")
    query = official_query(replace(short, fields={**short.fields, FieldKey.INSTITUTION: FieldResult(
        "重医附一院", "重医附一院", 0.99)}), MATCHER, "en")  # fmt: skip
    institution = query["fields"][2]
    assert institution["value"] == "重庆医科大学附属第一医院" and institution["printed"] == "重医附一院"
    assert "full name" in institution["note"] and institution["sure"]
    # Nothing says whether the booklet has change pages the picture left out: the note says so.
    assert "no change-of-registration record was read" in institution["note"]

    unknown = FieldResult("渝康医院", "渝康医院", 0.99)
    query = official_query(replace(short, fields={**short.fields, FieldKey.INSTITUTION: unknown}), MATCHER)
    institution = query["fields"][2]
    assert institution["value"] == "渝康医院" and not institution["sure"]
    assert "渝康医院" in institution["note"] and "全称" in institution["note"]


def test_an_unsure_name_is_said_so_and_another_provinces_authority_gives_its_province():
    doctor = next(
        d for seed in range(400) if not (d := make_doctor(random.Random(seed), "current", True)).changes
    )
    record = record_of(doctor)
    name = record.fields[FieldKey.NAME]
    record = replace(record, fields={**record.fields, FieldKey.NAME: replace(name, confidence=0.5, flags=(
        Flag.LOW_CONFIDENCE,))})  # fmt: skip
    fields = {f["key"]: f for f in official_query(record, MATCHER)["fields"]}
    assert not fields["name"]["sure"] and "复核" in fields["name"]["note"]
    assert fields["province"]["value"] == province_of(doctor.base["authority"])
    assert fields["province"]["value"] not in (None, "重庆市"), doctor.base["authority"]


def test_a_doctor_who_moved_here_is_looked_up_where_the_newest_change_was_approved():
    # A booklet issued in another province, then a change approved in Chongqing.
    doctor = booklet_doctor("old_booklet", "执业地点变更", other_province=True)
    assert province_of(doctor.base["authority"]) != "重庆市"
    record = record_of(doctor)
    fields = {f["key"]: f for f in official_query(record, MATCHER)["fields"]}
    newest = doctor.changes[-1]
    assert fields["province"]["value"] == province_of(newest["authority"]) == "重庆市"
    assert newest["authority"] in fields["province"]["note"] and fields["province"]["sure"]
    # Read unsurely, the change makes the province and the institution it names unsure too.
    fields = {
        f["key"]: f for f in official_query(record_of(doctor, doubtful_changes=True), MATCHER)["fields"]
    }
    assert not fields["province"]["sure"] and not fields["institution"]["sure"]
    assert fields["institution"]["value"] == newest["value"]


def test_on_generated_doctors_the_query_names_the_province_and_institution_never_surely_wrong():
    # Both layouts, one in five from another province (most of whom moved here by a change), some
    # of those from an autonomous region (广西壮族自治区, 新疆维吾尔自治区 ...).
    right = {"province": 0, "institution": 0}
    for seed in range(300):
        doctor = make_doctor(
            random.Random(10_000 + seed), ("current", "old_booklet")[seed % 2], seed % 5 == 0
        )
        record = record_of(doctor)
        assert record.current is not None
        # Where the doctor is registered now: Chongqing after any change (the generator's changes are
        # Chongqing's), else the province the booklet was issued in.
        place = doctor.province if not doctor.changes else "重庆市"
        want = {
            "province": issuing_province(place),
            "institution": record.current.value(FieldKey.INSTITUTION),
        }
        for field in official_query(record, MATCHER)["fields"]:
            if field["key"] in want:
                if field["value"] == want[field["key"]]:
                    right[field["key"]] += 1
                else:
                    assert not field["sure"], (field, want, doctor.base["authority"], doctor.changes)
    assert right["province"] >= 297 and right["institution"] == 300, right


# ------------------------------------------------------------------ what the query showed


def test_a_recorded_official_result_is_compared_audited_saved_and_exported(tmp_path):
    doctor = booklet_doctor("current", "主要执业机构变更")
    record = record_of(doctor)
    now = record.current
    assert now is not None and now.from_change is not None
    desk = desk_with(tmp_path, [record])
    [item] = desk.items()
    # The query shows the institution the doctor worked at before the newest change: the registry
    # has not caught up with the change (or the doctor moved back).
    before = doctor.base["institution"]
    shown = {"institution": before, "category": doctor.base["category"], "scope": now.value(FieldKey.SCOPE)}
    view = desk.record_official(item.id, True, shown, "李核验")
    assert view["verdict"] == "mismatch" and view["found"] is True
    [difference] = view["differences"]
    assert difference["field"] == "institution"
    assert difference["certificate"] == now.value(FieldKey.INSTITUTION) and difference["official"] == before
    assert "滞后" in difference["explanation"]
    assert any("变更注册" in step for step in view["advice"])

    # The audit trail holds who recorded what, and when.
    [entry] = audit_lines(desk)
    assert entry["action"] == "official_check" and entry["reviewer"] == "李核验" and "field" not in entry
    assert entry["detail"]["found"] is True and entry["detail"]["values"]["institution"] == before
    assert dt.datetime.fromisoformat(entry["at"]).tzinfo is not None
    # The reviewed row keeps it, a new session on the same file shows it again, and the CSV says it.
    [row] = [json.loads(line) for line in desk.out.read_text("utf-8").splitlines()]
    assert row["review"]["official"][0]["values"]["institution"] == before
    table = list(csv.reader(io.StringIO(desk.export_csv().lstrip("\ufeff"))))
    cells = dict(zip(table[0], table[1], strict=True))
    assert cells["官方查询"].startswith("mismatch（李核验，")
    desk.close()
    again = ReviewDesk(desk.out, today=TODAY)
    [item] = again.items()
    recorded = again.official_query(item.id)["recorded"]
    assert recorded["verdict"] == "mismatch" and recorded["reviewer"] == "李核验"
    again.close()


def test_the_old_booklets_practice_place_is_no_place_to_compare(tmp_path):
    # The old booklet's 执业地点 names the institution; the query shows the province there.
    doctor = booklet_doctor("old_booklet", "执业地点变更")
    record = record_of(doctor)
    now = record.current
    assert now is not None
    desk = desk_with(tmp_path, [record])
    [item] = desk.items()
    shown = {
        "practice_place": "重庆市",
        "institution": now.value(FieldKey.INSTITUTION),
        "category": now.value(FieldKey.CATEGORY),
        "scope": now.value(FieldKey.SCOPE),
        "name": doctor.base["name"],
    }
    view = desk.record_official(item.id, True, shown, "李核验", lang="en")
    assert view["verdict"] == "consistent", view["differences"]
    assert view["text"].startswith("✔ consistent: what the official query shows")
    desk.close()


def test_not_found_on_the_official_query_is_never_called_forged(tmp_path):
    desk = desk_with(tmp_path, [reading(zhang())])
    [item] = desk.items()
    view = desk.record_official(item.id, False, {"institution": "ignored when not found"}, "李核验")
    assert view["found"] is False and view["values"] == {} and view["verdict"] == "not_found"
    advice = " ".join(view["advice"])
    assert "不能认定证书伪造" in advice and "数天至数周" in advice and "重庆市渝中区卫生健康委员会" in advice
    desk.close()


def test_a_value_the_query_does_not_show_is_refused_and_nothing_is_audited(tmp_path):
    desk = desk_with(tmp_path, [reading(zhang())])
    [item] = desk.items()
    with pytest.raises(ReviewRefused) as refused:
        desk.record_official(item.id, True, {"id_number": "500103198703120414"}, "李核验")
    assert refused.value.text("zh") == "官方查询不显示身份证号：只记录查询结果中显示的内容"
    assert "id_number" in refused.value.text("en")
    assert not desk.audit_file.exists() and desk.get(item.id).reviewed.official == ()
    desk.close()


def test_recording_the_official_result_keeps_the_registry_verification(tmp_path):
    csv_path = write_csv(tmp_path / "r.csv", [zhang()])
    store = SqliteRegistry.create(tmp_path / "registry.db")
    import_csv(csv_path, store)
    store.close()
    desk = desk_with(tmp_path, [reading(zhang())], registry=str(tmp_path / "registry.db"))
    [item] = desk.items()
    assert desk.verify(item.id).verdict == "consistent"
    desk.record_official(
        item.id, True, {"institution": "重庆医科大学附属第一医院", "scope": "内科专业"}, "李核验"
    )
    verified = desk.get(item.id).verified
    assert verified is not None and verified.verdict == "consistent"
    # A correction still makes the verification stale.
    desk.correct(item.id, FieldKey.SCOPE, "外科专业", "李核验")
    assert desk.get(item.id).verified is None
    desk.close()


def test_found_with_nothing_recorded_decides_nothing(tmp_path):
    desk = desk_with(tmp_path, [reading(zhang())])
    [item] = desk.items()
    view = desk.record_official(item.id, True, {"scope": " "}, "李核验")
    assert view["found"] is True and view["verdict"] is None and view["values"] == {}
    assert view["advice"] == ["官方查询找到了此医师，但没有记录可比对的信息。"]
    table = list(csv.reader(io.StringIO(desk.export_csv("en").lstrip("\ufeff"))))
    assert dict(zip(table[0], table[1], strict=True))["Official query"].startswith("found (李核验, ")
    desk.close()
