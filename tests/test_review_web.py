"""The review web application, in process: what it accepts, who may use it, and a whole review from
an uploaded photo to the verdict and the exported files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from review_fixtures import glare_photo  # noqa: F401  (fixture)
from test_registry import zhang
from test_verify import reading

from scanner.review.desk import ReviewDesk
from scanner.review.web import TOKEN_COOKIE, WebSettings, create_app

TODAY = dt.date(2026, 11, 27)


OPEN: list[ReviewDesk] = []


@pytest.fixture(autouse=True)
def close_desks():
    """Close every desk a test opened, as the server does when it stops: its uploads are removed."""
    yield
    while OPEN:
        OPEN.pop().close()


def desk_for(tmp_path: Path, scanner=None, **kw) -> ReviewDesk:
    OPEN.append(ReviewDesk(tmp_path / "out" / "reviewed.jsonl", today=TODAY, scanner=scanner, **kw))
    return OPEN[-1]


def client_for(desk: ReviewDesk, token: str | None = None) -> TestClient:
    # On localhost the page answers only to loopback host names.
    return TestClient(create_app(desk, WebSettings(token=token)), base_url="http://127.0.0.1")


def upload(client: TestClient, data: bytes, name: str, kind: str, lang: str = "zh"):
    return client.post(f"/api/uploads?lang={lang}", files={"file": (name, data, kind)})


# -- what the page accepts ------------------------------------------------------------------------


def test_a_text_file_sent_as_a_jpeg_is_refused_with_one_sentence(tmp_path):
    client = client_for(desk_for(tmp_path))
    response = upload(client, b"name,id\n" * 40, "photo.jpg", "image/jpeg")
    assert response.status_code == 400
    assert response.json() == {
        "error": "文件内容不是JPEG、PNG、TIFF、WebP、BMP、HEIC或PDF文件（与文件名或声明的类型不符）"
    }
    english = upload(client, b"name,id\n" * 40, "photo.jpg", "image/jpeg", lang="en")
    assert (
        english.json()["error"]
        == "the file's content is not a JPEG, PNG, TIFF, WebP, BMP, HEIC or PDF file, whatever its name says"
    )


def test_only_image_and_pdf_types_are_accepted(tmp_path, glare_photo):  # noqa: F811
    client = client_for(desk_for(tmp_path))
    response = upload(client, glare_photo.image.read_bytes(), "photo.html", "text/html", lang="en")
    assert response.status_code == 400
    assert (
        response.json()["error"]
        == "only photos and scans (JPEG, PNG, TIFF, WebP, BMP, HEIC or PDF) can be uploaded, not text/html"
    )


def test_an_upload_over_the_size_limit_is_refused(tmp_path, glare_photo):  # noqa: F811
    client = client_for(desk_for(tmp_path, max_upload_bytes=256 * 1024))
    response = upload(client, glare_photo.image.read_bytes(), "photo.jpg", "image/jpeg")
    assert response.status_code == 413
    assert response.json() == {"error": "文件超过允许的0.25 MB"}


def test_a_damaged_photo_gets_the_loaders_sentence_and_is_not_kept(tmp_path, glare_photo):  # noqa: F811
    desk = desk_for(tmp_path)
    client = client_for(desk)
    response = upload(client, glare_photo.image.read_bytes()[:20000], "IMG_0001.jpg", "image/jpeg")
    assert response.status_code == 400
    assert response.json() == {"error": "图像文件不完整或已损坏"}
    assert list(desk.upload_dir().iterdir()) == [] and client.get("/api/items").json() == {"items": []}


def test_a_client_never_names_a_path(tmp_path):
    client = client_for(desk_for(tmp_path))
    for path in (
        "/api/items/..%2F..%2Fetc%2Fpasswd",
        "/api/items/%2Fetc%2Fpasswd/image",
        "/static/..%2F..%2Fcli.py",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/items/nope/fields/name", json={"value": "x"}).json() == {
        "error": "复核列表中没有此证书"
    }


# -- who may use it -------------------------------------------------------------------------------


def test_on_the_lan_every_request_needs_the_token(tmp_path):
    client = client_for(desk_for(tmp_path), token="s3cret-token")
    refused = client.get("/api/items?lang=en")
    assert refused.status_code == 401
    assert refused.json()["error"] == "this review page needs the access link printed when it was started"
    assert client.get("/?token=wrong").status_code == 401
    page = client.get("/?token=s3cret-token")
    assert page.status_code == 200 and "医师执业证书复核" in page.text
    assert client.cookies.get(TOKEN_COOKIE) == "s3cret-token"
    # The cookie the link set carries the token for the page's own requests.
    assert client.get("/api/items").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    other = client_for(desk_for(tmp_path / "other"), token="s3cret-token")
    assert other.get("/api/items", headers={"X-Certscan-Token": "s3cret-token"}).status_code == 200


def test_another_web_site_cannot_post_to_the_page(tmp_path):
    desk = desk_for(tmp_path)
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(reading(zhang()).to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    [item] = desk.add_results(results)
    client = client_for(desk)
    body = {"value": "李四"}
    response = client.post(
        f"/api/items/{item.id}/fields/name", json=body, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert desk.get(item.id).reviewed.audit == ()
    same = client.post(f"/api/items/{item.id}/fields/name", json=body, headers={"Origin": "http://127.0.0.1"})
    assert same.status_code == 200


# -- reviewing a results file ---------------------------------------------------------------------


def not_printed(row: dict) -> dict:
    """A row of today's layout, which prints no 医师资格证书编码: null, and nothing to review about it."""
    row["fields"]["qualification_code"] |= {"value": None, "raw": None, "flags": [], "review": False}
    return row


def test_results_needing_review_come_first_and_unreadable_ones_last(tmp_path):
    results = tmp_path / "results.jsonl"
    rows = [
        {"file": "broken.jpg", "error": "the file is empty"},
        not_printed(reading(zhang()).to_json()),
        not_printed(reading(zhang(name="李四"), doubtful=("id_number",)).to_json()),
    ]
    results.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    desk = desk_for(tmp_path)
    desk.add_results(results)
    client = client_for(desk)
    listed = client.get("/api/items").json()["items"]
    assert [(i["name"], i["status"], i["pending"]) for i in listed] == [
        ("李四", "review", 1),
        ("张三", "ready", 0),
        (None, "error", 0),
    ]
    broken = client.get(f"/api/items/{listed[2]['id']}").json()
    assert broken["error"] == "the file is empty" and "fields" not in broken
    # No image was found for these rows: the page says so instead of failing.
    assert client.get(f"/api/items/{listed[0]['id']}").json()["views"] == []


# -- a whole review -------------------------------------------------------------------------------


@pytest.mark.slow
def test_from_uploaded_photo_to_verdict_with_one_correction(tmp_path, glare_photo, scanner):  # noqa: F811
    desk = desk_for(tmp_path, scanner=lambda: scanner, registry=str(glare_photo.registry))
    client = client_for(desk)
    truth = glare_photo.truth
    response = upload(client, glare_photo.image.read_bytes(), "../../IMG_0001.jpg", "image/jpeg")
    assert response.status_code == 200, response.text
    item = response.json()
    # The client's name is shown, never used: the upload is stored under a generated name.
    assert item["file"] == "IMG_0001.jpg"
    assert [p.suffix for p in desk.upload_dir().iterdir()] == [".jpg"]
    assert "IMG_0001" not in next(desk.upload_dir().iterdir()).name
    fields = {f["key"]: f for f in item["fields"]}
    # Glare hides the name and the code: they need review, and the reason says why.
    assert fields["name"]["review"] and fields["name"]["value"] is None
    assert fields["name"]["reasons"] == ["未识别到"]
    assert item["views"][0]["kind"] == "photo" and item["views"][0]["boxes"]["id_number"]
    assert client.get(item["views"][0]["url"]).headers["content-type"] == "image/jpeg"
    # Beside the photo, the certificate flattened and upright, with the boxes mapped onto it.
    flat = item["views"][1]
    assert flat["kind"] == "flat" and set(flat["boxes"]) == set(item["views"][0]["boxes"])
    picture = Image.open(io.BytesIO(client.get(flat["url"]).content))
    width, height = picture.size
    for x0, y0, x1, y1 in flat["boxes"].values():
        assert -5 <= x0 < x1 <= width + 5 and -5 <= y0 < y1 <= height + 5

    # Typing a wrong ID number shows its failed check digit before anything is saved.
    wrong = truth["id_number"][:-1] + ("0" if truth["id_number"][-1] != "0" else "1")
    checked = client.post(f"/api/items/{item['id']}/check", json={"values": {"id_number": wrong}}).json()
    assert any("身份证校验码" in r for r in checked["fields"]["id_number"]["reasons"])
    assert not desk.get(item["id"]).reviewed.audit

    # The reviewer names the session once, types what glare hid (and anything else OCR left
    # unsure), then verifies.
    assert client.post("/api/reviewer", json={"reviewer": "陈审核"}).json() == {"reviewer": "陈审核"}
    # (A field the certificate does not print, such as the 医师资格证书编码 on today's layout, is saved
    # empty: not on the certificate.)
    for key in [k for k, f in fields.items() if f["review"]]:
        saved = client.post(f"/api/items/{item['id']}/fields/{key}", json={"value": truth.get(key)})
        assert saved.status_code == 200
    reviewed = saved.json()
    assert reviewed["status"] == "ready" and reviewed["pending"] == 0
    [name_entry] = [e for e in reviewed["audit"] if e["field"] == "name"]
    assert name_entry["read"] is None and name_entry["corrected"] == truth["name"]
    assert name_entry["reviewer"] == "陈审核" and name_entry["action"] == "corrected"

    verified = client.post(f"/api/items/{item['id']}/verify?lang=en").json()["verification"]
    assert verified["verdict"] == "consistent"
    assert verified["text"] == "✔ consistent: the registry holds this doctor and every field agrees"

    # The reviewed file on disk, the audit beside it, and the exports all hold the correction.
    [row] = [json.loads(line) for line in desk.out.read_text("utf-8").splitlines()]
    assert {"value": truth["name"], "confirmed": True, "review": False}.items() <= row["fields"][
        "name"
    ].items()
    assert row["review"]["original"]["name"]["value"] is None and row["verdict"] == "consistent"
    audit = [json.loads(line) for line in desk.audit_file.read_text("utf-8").splitlines()]
    assert {"field": "name", "read": None, "corrected": truth["name"]}.items() <= audit[0].items()
    exported = [json.loads(line) for line in client.get("/api/export.jsonl").text.splitlines()]
    assert exported == [row]
    table = list(csv.reader(io.StringIO(client.get("/api/export.csv").text.lstrip("\ufeff"))))
    assert table[0][:3] == ["文件", "页", "姓名"] and table[1][2] == truth["name"]
    to_review, corrected, reviewers, verdict = table[1][-5:-1]
    assert (
        to_review == ""
        and "姓名" in corrected.split("、")
        and reviewers == "陈审核"
        and verdict == "consistent"
    )


@pytest.mark.slow
def test_every_page_of_an_uploaded_pdf_is_a_certificate_on_the_list(tmp_path, samples, scanner):
    first, second = samples[0], samples[3]
    pdf = io.BytesIO()
    pictures = [Image.open(s.image).convert("RGB") for s in (first, second)]
    pictures[0].save(pdf, "PDF", save_all=True, append_images=pictures[1:], resolution=200)
    client = client_for(desk_for(tmp_path, scanner=lambda: scanner))
    response = upload(client, pdf.getvalue(), "人事档案.pdf", "application/pdf")
    assert response.status_code == 200
    shown = response.json()
    assert (shown["pages"], shown["file"], shown["page"]) == (2, "人事档案.pdf", 1)
    items = [client.get(f"/api/items/{it['id']}").json() for it in client.get("/api/items").json()["items"]]
    by_page = {it["page"]: it for it in items}
    assert sorted(by_page) == [1, 2]
    for page, sample in ((1, first), (2, second)):
        fields = {f["key"]: f for f in by_page[page]["fields"]}
        assert fields["certificate_code"]["value"] == sample.truth["certificate_code"]
        picture = Image.open(io.BytesIO(client.get(f"/api/items/{by_page[page]['id']}/image").content))
        # Each item shows its own page: the picture has that page's proportions.
        width, height = Image.open(sample.image).size
        assert abs(picture.width / picture.height - width / height) < 0.02


def test_serving_beyond_this_machine_needs_lan_mode(tmp_path):
    from typer.testing import CliRunner

    from scanner.cli import app

    result = CliRunner().invoke(app, ["review", "--serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert (
        result.stderr == "certscan: 在0.0.0.0上提供服务会让其他机器访问：请加 --lan，它用访问令牌保护页面。\n"
    )
    english = CliRunner().invoke(app, ["review", "--serve", "--host", "0.0.0.0", "--lang", "en"])
    assert english.exit_code == 2
    assert english.stderr.startswith("certscan: serving on 0.0.0.0 reaches other machines: add --lan")


@pytest.mark.parametrize(
    ("head", "declared", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 300, "application/pdf", "application/pdf"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"0" * 300, "image/heic", "image/heic"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 300, "image/png", "image/png"),
        # Browsers are loose about names: a PNG sent as image/jpeg is still a picture.
        (b"\x89PNG\r\n\x1a\n" + b"0" * 300, "image/jpeg", "image/png"),
    ],
)
def test_pictures_and_pdfs_are_told_by_their_first_bytes(head, declared, kind):
    from scanner.review.uploads import check_upload

    accepted = check_upload(head, len(head), declared, "C:\\Users\\张\\Desktop\\证书.x", 1024)
    assert accepted.kind == kind and accepted.name == "证书.x"


def test_an_image_named_at_start_that_cannot_be_read_is_listed_with_its_reason(tmp_path):
    desk = desk_for(tmp_path)
    [item] = desk.add_image(tmp_path / "missing.jpg")
    shown = client_for(desk).get(f"/api/items/{item.id}?lang=en").json()
    assert shown["status"] == "error" and shown["error"] == "file not found"
    assert shown["file"] == "missing.jpg"
