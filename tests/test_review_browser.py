"""The review page in a real headless Chromium (Debian's, driven by Playwright) against the real server:
open the LAN link with its token (which then leaves the address bar), see the QR code for a second
phone, upload a photo, see why fields need review, correct them, verify, and read the verdict.

Screenshots for people to look at: test-artifacts/review-page-share.png (the QR code for a second
phone), test-artifacts/review-page-typing.png (fields marked for review, a mistyped ID number caught as
it is typed) and test-artifacts/review-page.png (after the verdict)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from review_fixtures import glare_photo  # noqa: F401  (fixture)

from scanner.review.desk import ReviewDesk
from scanner.review.web import WebSettings, create_app

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, quiet: no sandbox as root, no GPU, and none of its own network traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path, glare_photo, scanner):  # noqa: F811
    """The review application as `--lan` serves it (an access token, a LAN link to share), on a free
    localhost port, in a thread of this process: (address, desk, the link with the token)."""
    desk = ReviewDesk(
        tmp_path / "reviewed.jsonl", registry=str(glare_photo.registry), scanner=lambda: scanner
    )
    port = free_port()
    token = "browser-test-token"
    link = f"http://127.0.0.1:{port}/?token={token}"
    settings = WebSettings(token=token, links=(link,))
    server = uvicorn.Server(
        uvicorn.Config(create_app(desk, settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", desk, link
    server.should_exit = True
    thread.join(10)
    desk.close()


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (part of `make test`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def test_a_reviewer_goes_from_photo_to_verdict_in_the_browser(served, page, glare_photo, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    url, desk, link = served
    truth = glare_photo.truth
    page.goto(link)
    expect(page.locator("h1")).to_have_text("医师执业证书复核")
    # The token is a cookie now: it leaves the address bar (the page's script replaces the address
    # once it has loaded, so this is waited for), and the page's requests still pass.
    expect(page).to_have_url(url + "/")
    expect(page.locator("#items")).to_be_attached()
    expect(page.locator("#alert")).to_be_hidden()

    # A second phone gets the same link from the QR code the page shows.
    expect(page.locator("#share")).to_be_hidden()
    page.click("#share-toggle")
    expect(page.locator("#share")).to_be_visible()
    expect(page.locator("#share-link")).to_have_text(link)
    expect(page.locator("#share-qr")).to_have_attribute("src", "/api/qr.svg")
    page.wait_for_function("document.querySelector('#share-qr').naturalWidth > 0")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-page-share.png"))
    page.click("#share-toggle")
    expect(page.locator("#share")).to_be_hidden()
    page.fill("#reviewer", "陈审核")
    page.locator("#reviewer").dispatch_event("change")

    # A file that is not a picture is refused with one sentence in the page.
    fake = tmp_path / "roster.jpg"
    fake.write_text("name,id\n" * 50, encoding="utf-8")
    page.set_input_files("#file", str(fake))
    expect(page.locator("#alert")).to_have_text(
        "文件内容不是JPEG、PNG、TIFF、WebP、BMP、HEIC或PDF文件（与文件名或声明的类型不符）"
    )

    page.set_input_files("#file", str(glare_photo.image))
    name = page.locator('#fields tr[data-key="name"]')
    expect(name).to_have_attribute("data-state", "review", timeout=90_000)
    expect(page.locator("#alert")).to_be_hidden()
    expect(name.locator(".reasons")).to_have_text("未识别到")
    expect(page.locator(".view.photo img")).to_be_visible()
    # The flattened certificate beside the photo, each with the field's box.
    expect(page.locator(".view.flat img")).to_be_visible()
    expect(page.locator('.view.photo svg.boxes rect[data-key="id_number"]')).to_have_count(1)
    expect(page.locator('.view.flat svg.boxes rect[data-key="id_number"]')).to_have_count(1)
    expect(page.locator("#items li.review .badge")).to_have_text("待复核 2")

    # As the reviewer types, checks re-run: a wrong ID number shows its failed check digit at once.
    id_row = page.locator('#fields tr[data-key="id_number"]')
    wrong = truth["id_number"][:-1] + ("0" if truth["id_number"][-1] != "0" else "1")
    id_row.locator("input").fill(wrong)
    expect(id_row.locator(".reasons")).to_contain_text("身份证校验码（校验码为")
    expect(id_row).to_have_attribute("data-state", "invalid")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-page-typing.png"), full_page=True)
    id_row.locator("input").press("Escape")
    expect(id_row).to_have_attribute("data-state", "ok")
    expect(id_row.locator(".reasons li")).to_have_count(0)

    # The reviewer types what the glare hid; Enter saves each field.
    for key in ("name", "certificate_code"):
        row = page.locator(f'#fields tr[data-key="{key}"]')
        row.locator("input").fill(truth[key])
        row.locator("input").press("Enter")
        expect(page.locator(f'#audit li[data-field="{key}"]')).to_contain_text(truth[key])
        expect(page.locator(f'#fields tr[data-key="{key}"]')).to_have_attribute("data-state", "confirmed")
    expect(page.locator("#verify-hint")).to_be_hidden()
    expect(page.locator('#audit li[data-field="name"]')).to_contain_text(
        f"姓名：「（空）」 → 「{truth['name']}」"
    )
    expect(page.locator('#audit li[data-field="name"]')).to_contain_text("复核人 陈审核")

    page.click("#verify")
    verdict = page.locator("#verdict")
    expect(verdict).to_have_class("verdict consistent")
    expect(verdict.locator(".verdict-text")).to_have_text("✔ 一致：登记中有此医师，各项相符")
    expect(verdict.locator(".entry")).to_have_text(
        f"登记记录：{truth['name']}，证书编码 {truth['certificate_code']}"
    )
    expect(verdict.locator(".advice li").first).to_be_visible()

    page.screenshot(path=str(ARTIFACTS / "review-page.png"), full_page=True)

    # The server kept the correction in the audit trail and the reviewed file, OCR reading alongside.
    [item] = desk.items()
    entries = [(e.field, e.read, e.corrected, e.reviewer) for e in item.reviewed.audit]
    assert entries == [
        ("name", None, truth["name"], "陈审核"),
        ("certificate_code", None, truth["certificate_code"], "陈审核"),
    ]
    assert item.verified is not None and str(item.verified.verdict) == "consistent"
    assert desk.audit_file.read_text("utf-8").count('"field": "name"') == 1

    # English is a click away.
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("Certificate review")
    expect(page.locator("#verdict .verdict-text")).to_have_text(
        "✔ consistent: the registry holds this doctor and every field agrees"
    )
