"""The phone flows of the review application, in process: the answer on the photo right after an upload
(retake, and exactly how), "same certificate?" for a shot that follows the last, shots read as one,
change blocks corrected like fields, the official check, and the evidence sheet."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from review_fixtures import glare_photo  # noqa: F401  (fixture)
from test_registry import zhang
from test_review_web import close_desks, desk_for  # noqa: F401  (close_desks: a fixture)
from test_verify import reading

from scanner.fields import HOLDER_PAGE_NOT_SHOWN, Box, CertificateLayout, Change, Document, FieldKey, Flag
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.review.desk import ReviewDesk
from scanner.review.retake import Cause, glare_spots, photo_advice
from scanner.review.web import WebSettings, create_app
from scanner.synth import write_registry_csv
from scanner.text import mask_id

TODAY = dt.date(2026, 11, 27)


def client_for(desk: ReviewDesk) -> TestClient:
    return TestClient(create_app(desk, WebSettings()), base_url="http://127.0.0.1")


def flagged(key: FieldKey, *flags: Flag, **changes):
    """张三's reading with picture flags on one field (and other record attributes changed)."""
    record = reading(zhang())
    fields = {**record.fields, key: record.fields[key].with_flags(*flags)}
    return replace(record, fields=fields, **changes)


# -- what to do about the photo ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "cause", "says"),
    [
        (Flag.GLARE, Cause.GLARE, "反光遮住了姓名：往旁边站一步，换个角度避开反光再拍。"),
        (Flag.LOW_RESOLUTION, Cause.LOW_RESOLUTION, "姓名在照片里太小：走近一些，让证书占满画面再拍。"),
        (Flag.BLUR, Cause.BLUR, "姓名模糊：拿稳手机，等对焦清楚后再拍。"),
        (Flag.PARTLY_OUTSIDE, Cause.PARTLY_OUTSIDE, "姓名超出了画面：退后一点，把整张证书拍进来。"),
    ],
)
def test_each_picture_problem_says_exactly_what_to_do(flag, cause, says):
    advice = photo_advice(flagged(FieldKey.NAME, flag))
    assert advice.retake
    [step] = advice.steps
    assert (step.cause, step.fields, step.text("zh")) == (cause, (FieldKey.NAME,), says)
    assert advice.to_json("en")["summary"] == "Take this photo again before you leave."


def test_a_turned_certificate_is_fine_and_needs_no_retake():
    record = replace(reading(zhang()), geometry={"rotation": 90, "matrix": None})
    advice = photo_advice(record)
    assert not advice.retake
    assert [s.cause for s in advice.steps] == [Cause.TURNED]
    assert advice.steps[0].text("zh") == "证书在照片里是横着或倒着的：没关系，已自动摆正，不用重拍。"
    assert advice.summary("zh") == "照片清晰，可以用了。"


def test_a_lookup_key_not_read_at_all_is_never_called_a_good_photo():
    record = reading(zhang(), certificate_code=None)
    advice = photo_advice(record)
    assert advice.retake
    assert [(s.cause, s.fields) for s in advice.steps] == [(Cause.MISSING, (FieldKey.CERTIFICATE_CODE,))]
    assert advice.steps[0].text("zh") == "证书编码没有读到：正对证书、走近一些再拍一张。"
    # Glare on the page takes the blame for it, with the step that mends glare.
    page = np.full((600, 900, 3), 212, np.uint8)
    page[300:380, 200:400] = 252
    [step] = photo_advice(record, page).steps
    assert (step.cause, step.fields) == (Cause.GLARE, (FieldKey.CERTIFICATE_CODE,))


def test_a_page_not_in_the_picture_is_asked_for_and_never_blamed_on_glare():
    # A change page photographed alone: the name and ID number are on a page not shown.
    blank = {k: None for k in (FieldKey.NAME, FieldKey.SEX, FieldKey.BIRTH_DATE, FieldKey.ID_NUMBER)}
    record = replace(reading(zhang(), **blank), warnings=(HOLDER_PAGE_NOT_SHOWN,))
    page = np.full((600, 900, 3), 212, np.uint8)
    page[300:380, 200:400] = 252
    for flat in (None, page):
        advice = photo_advice(record, flat)
        assert advice.retake
        assert [(s.cause, s.fields) for s in advice.steps] == [
            (Cause.PAGE_NOT_SHOWN, (FieldKey.NAME, FieldKey.ID_NUMBER))
        ]
    assert advice.steps[0].text("zh") == (
        "照片里缺少印有姓名、身份证号的证书页：请把缺少的页也拍下来，几张照片可以合并读取。"
    )


def test_a_value_confirmed_by_a_person_asks_for_no_retake():
    record = flagged(FieldKey.NAME, Flag.GLARE)
    fields = {**record.fields, FieldKey.NAME: replace(record.fields[FieldKey.NAME], confirmed=True)}
    assert not photo_advice(replace(record, fields=fields)).retake


def test_a_qualification_certificate_is_named_for_what_it_is():
    advice = photo_advice(replace(reading(zhang()), document=Document.QUALIFICATION, layout=None))
    assert [s.cause for s in advice.steps] == [Cause.WRONG_DOCUMENT]
    assert advice.steps[0].text("zh").startswith("这不是医师执业证书")


def test_glare_is_a_washed_out_patch_on_the_page_never_the_white_paper_of_a_scan():
    page = np.full((600, 900, 3), 212, np.uint8)
    page[100:110, 50:850] = 40  # a line of print
    page[300:380, 200:400] = 252  # a reflection, lifted well above the paper
    [(x0, y0, x1, y1)] = glare_spots(page)
    assert 190 <= x0 <= 210 and 290 <= y0 <= 310 and 390 <= x1 <= 410 and 370 <= y1 <= 390
    scan = np.full((600, 900, 3), 250, np.uint8)
    scan[100:110, 50:850] = 40
    assert glare_spots(scan) == []


# -- uploads: the answer, the same certificate, shots read as one ----------------------------------


def test_after_an_upload_the_page_says_to_retake_and_then_offers_to_read_the_shots_as_one(
    tmp_path,
    glare_photo,  # noqa: F811
    scanner,
):
    desk = desk_for(tmp_path, scanner=lambda: scanner)
    client = client_for(desk)
    data = glare_photo.image.read_bytes()
    first = client.post("/api/uploads", files={"file": ("IMG_0001.jpg", data, "image/jpeg")}).json()
    assert first["photo"]["retake"] is True
    assert first["photo"]["steps"][0] == {
        "cause": "glare",
        "retake": True,
        "fields": ["name", "certificate_code"],
        "text": "反光遮住了姓名、证书编码：往旁边站一步，换个角度避开反光再拍。",
    }
    assert first["same_as"] is None
    english = client.get(f"/api/items/{first['id']}?lang=en").json()["photo"]
    assert english["steps"][0]["text"] == (
        "A reflection covers Name, Certificate code: step aside and take it again at an angle that "
        "avoids the glare."
    )
    # A second shot from the same browser a moment later: the page asks whether it is the same one.
    second = client.post("/api/uploads", files={"file": ("IMG_0002.jpg", data, "image/jpeg")}).json()
    assert second["same_as"]["id"] == first["id"]
    assert second["same_as"]["minutes"] < 5
    # Yes: one item read from both, each field saying which shots agreed.
    merged = client.post("/api/merge", json={"ids": [first["id"], second["id"]]}).json()
    listed = client.get("/api/items").json()["items"]
    assert [i["id"] for i in listed] == [merged["id"]]
    sex = next(f for f in merged["fields"] if f["key"] == "sex")
    assert sex["value"] == glare_photo.truth["sex"] and sex["shots"] == [1, 2]
    assert merged["audit"][-1]["action"] == "merged"
    # One shot is no group.
    refused = client.post("/api/merge", json={"ids": [merged["id"]]})
    assert refused.status_code == 400 and refused.json() == {"error": "请至少选择两张照片合并识别"}


# -- the change record, the official check, the evidence sheet --------------------------------------


def booklet_row() -> dict:
    """张三's old booklet with one change block: moved to another institution."""
    row = reading(zhang()).to_json()
    row["layout"] = str(CertificateLayout.OLD_BOOKLET)
    block = Change("主要执业机构变更", "重庆市人民医院", "2019-03-01", "重庆市卫生健康委员会", None, 0.62)
    row["changes"] = [block.with_flags(Flag.LOW_CONFIDENCE).to_json()]
    return row


def desk_with(tmp_path: Path, row: dict, registry: Path | None = None) -> tuple[ReviewDesk, str]:
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    desk = desk_for(tmp_path, registry=str(registry) if registry else None)
    [item] = desk.add_results(results)
    return desk, item.id


def test_a_change_block_is_shown_and_corrected_like_a_field(tmp_path):
    desk, item_id = desk_with(tmp_path, booklet_row())
    client = client_for(desk)
    item = client.get(f"/api/items/{item_id}").json()
    assert item["document"]["kind"] == "practising_certificate"
    assert item["document"]["layout"] == "old_booklet"
    [block] = item["changes"]
    assert block["review"] is True and block["reasons"] == ["识别把握不足"]
    assert [(p["part"], p["label"], p["value"]) for p in block["parts"]] == [
        ("item", "变更事项", "主要执业机构变更"),
        ("value", "变更内容", "重庆市人民医院"),
        ("date", "日期", "2019-03-01"),
        ("authority", "批准机关", "重庆市卫生健康委员会"),
        ("new_code", "新证书编码", None),
    ]
    corrected = client.post(f"/api/items/{item_id}/changes/0/date", json={"value": "2019年3月2日"}).json()
    date = next(p for p in corrected["changes"][0]["parts"] if p["part"] == "date")
    assert (date["value"], date["read"]) == ("2019-03-02", "2019-03-01")
    assert corrected["audit"][-1] | {"at": None} == {
        "file": "photo.jpg",
        "change": 0,
        "part": "date",
        "read": "2019-03-01",
        "corrected": "2019-03-02",
        "at": None,
        "reviewer": None,
        "action": "corrected",
    }
    assert client.post(f"/api/items/{item_id}/changes/3/date", json={"value": "x"}).status_code == 404
    wrong = client.post(f"/api/items/{item_id}/changes/0/colour", json={"value": "x"})
    assert wrong.status_code == 400 and wrong.json() == {"error": "“colour”不是变更记录的栏目"}


def test_a_document_that_is_no_practising_certificate_says_what_it_is(tmp_path):
    row = {**reading(zhang()).to_json(), "document": "title_certificate", "layout": None}
    desk, item_id = desk_with(tmp_path, row)
    shown = client_for(desk).get(f"/api/items/{item_id}").json()["document"]
    assert shown["kind"] == "title_certificate"
    assert shown["wrong"] == (
        "这不是医师执业证书，而是专业技术资格证书（职称证书，不是执业注册）：执业注册只能用执业证书核验。"
    )


def test_official_check_then_evidence_sheet_for_a_doctor_who_moved(tmp_path):
    roster = tmp_path / "roster.csv"
    write_registry_csv([zhang(institution="重庆市人民医院")], roster)
    store = SqliteRegistry.create(tmp_path / "registry.db")
    import_csv(roster, store)
    store.close()
    desk, item_id = desk_with(tmp_path, reading(zhang()).to_json(), tmp_path / "registry.db")
    client = client_for(desk)
    # Before a verdict there is nothing to escalate.
    early = client.get(f"/api/items/{item_id}/evidence.html")
    assert early.status_code == 400 and "核验" in early.json()["error"]
    verdict = client.post(f"/api/items/{item_id}/verify").json()["verification"]
    assert verdict["verdict"] == "mismatch"
    query = client.get(f"/api/items/{item_id}/official").json()
    assert query["address"] == "https://zgcx.nhc.gov.cn/doctor"
    assert {f["key"]: f["value"] for f in query["fields"]} == {
        "province": "重庆市",
        "name": "张三",
        "institution": "重庆医科大学附属第一医院",
    }
    shown = {"institution": "重庆市人民医院", "category": "临床"}
    recorded = client.post(f"/api/items/{item_id}/official", json={"found": True, "values": shown}).json()
    assert recorded["official"]["found"] is True
    assert [d["field"] for d in recorded["official"]["differences"]] == ["institution"]
    assert recorded["item"]["audit"][-1]["action"] == "official_check"
    refused = client.post(
        f"/api/items/{item_id}/official", json={"found": True, "values": {"id_number": "1"}}
    )
    assert refused.status_code == 400 and refused.json()["error"].startswith("官方查询不显示身份证号")
    sheet = client.get(f"/api/items/{item_id}/evidence.html")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/html")
    assert mask_id(zhang()["id_number"]) in sheet.text and zhang()["id_number"] not in sheet.text
    # The full number only on a POST from the page itself, and audited.
    assert (
        client.post(
            f"/api/items/{item_id}/evidence.html", headers={"Origin": "http://evil.example"}
        ).status_code
        == 403
    )
    full = client.post(f"/api/items/{item_id}/evidence.html", headers={"Origin": "http://127.0.0.1"})
    assert zhang()["id_number"] in full.text
    assert desk.get(item_id).reviewed.audit[-1].action == "full_id_shown"


def test_a_box_is_kept_for_each_change_block_on_the_page(tmp_path):
    row = booklet_row()
    row["changes"][0]["box"] = Box(10, 20, 300, 80).to_json()
    desk, item_id = desk_with(tmp_path, row)
    [block] = client_for(desk).get(f"/api/items/{item_id}").json()["changes"]
    assert block["box"] == [10, 20, 300, 80]
