"""The review page on a phone at the clinic wall, in Debian's Chromium under Playwright's phone emulation
(390×844, touch): open the LAN link with its token, take the "camera" photo through the capture input
(a generated photo with glare over the name and the certificate code), read the retake advice, take a
good photo, say it shows the same certificate (the shots are read as one), correct a field, verify,
record what the official query showed, and export the evidence sheet with the ID number masked.

Throughout: no sideways scrolling at 390 px, the rear camera asked for, every button and input at
least 44 px to tap. Screenshots of each step: test-artifacts/phone-01-open.png … phone-07-evidence.png.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from review_fixtures import add_glare
from test_review_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.review import lan
from scanner.review.desk import ReviewDesk
from scanner.review.web import WebSettings, create_app
from scanner.synth import generate, write_registry_csv
from scanner.text import mask_id

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
# Where the registry has the doctor now: moved since the certificate was printed (a mismatch the
# reviewer escalates with the evidence sheet).
MOVED_TO = "重庆市万盛经开区人民医院"
# Every control a thumb must hit: at least this tall and wide (Apple's and Google's 44 px).
TAP = 44


@dataclass(frozen=True)
class Wall:
    """Two shots of one certificate on a wall (one with glare over the name and the code), its
    truth, and a registry that has the doctor at another institution since."""

    glare: Path
    good: Path
    truth: dict[str, str]
    registry: Path


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> Wall:
    out = tmp_path_factory.mktemp("wall")
    [truth_path] = generate(out, count=1, seed=5, modes=("photo",))
    data = json.loads(truth_path.read_text("utf-8"))
    good = out / "IMG_0002.jpg"
    glare = out / "IMG_0001.jpg"
    shutil.copy(out / data["file"], good)
    shutil.copy(out / data["file"], glare)
    for key in ("name", "certificate_code"):
        add_glare(glare, data["boxes"][key])
    truth = data["fields"]
    csv_path = out / "roster.csv"
    write_registry_csv([{**truth, "institution": MOVED_TO}], csv_path)
    store = SqliteRegistry.create(out / "registry.db")
    import_csv(csv_path, store)
    store.close()
    return Wall(glare, good, truth, out / "registry.db")


@pytest.fixture
def served(tmp_path, wall, scanner):
    """The page as `certscan review --serve --lan` serves it, on this machine's LAN address when it
    has one (else on localhost), in a thread: (the link with the token, the desk)."""
    desk = ReviewDesk(tmp_path / "reviewed.jsonl", registry=str(wall.registry), scanner=lambda: scanner)
    address = (lan.lan_addresses() or ["127.0.0.1"])[0]
    sock = lan.bind(address, 0)
    port = sock.getsockname()[1]
    token = "phone-test-token"
    link = lan.link(address, port, token)
    settings = WebSettings(token=token, links=(link,))
    server = uvicorn.Server(uvicorn.Config(create_app(desk, settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review server did not start"
        time.sleep(0.05)
    yield link, desk
    server.should_exit = True
    thread.join(10)
    desk.close()


@pytest.fixture
def phone():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (part of `make test`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Mobile Safari/537.36",
        )
        yield context.new_page()
        browser.close()


def fits_the_screen(page) -> None:
    """Nothing scrolls sideways at 390 px, and every visible button and input is big enough to tap
    (a checkbox or radio button by its label, which takes the tap)."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px wide"
    small = page.evaluate(
        """(least) => [...document.querySelectorAll('button, .button, input, a.button')]
        .filter((e) => e.offsetParent !== null || e.closest('label.button'))
        .map((e) => {
          const byLabel = ['checkbox', 'radio'].includes(e.type) || e.closest('label.button');
          const target = byLabel ? e.closest('label') : e;
          const r = target.getBoundingClientRect();
          return { what: e.id || e.name || e.className || e.textContent.trim(), w: r.width, h: r.height };
        })
        .filter((t) => t.w > 0 && (t.w < least || t.h < least))""",
        TAP,
    )
    assert small == [], f"tap targets under {TAP} px: {small}"


def shot(page, name: str, at=None) -> None:
    """What the person sees on the phone's screen, scrolled to `at` (else to the top)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if at is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        at.scroll_into_view_if_needed()
        at.evaluate("(e) => e.scrollIntoView({ block: 'start' })")
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_phone_at_the_clinic_wall_goes_from_photo_to_evidence_sheet(served, phone, wall):
    from playwright.sync_api import expect

    link, desk = served
    page = phone
    truth = wall.truth

    # The LAN link with its token opens the page; the token then leaves the address bar.
    page.goto(link)
    expect(page.locator("h1")).to_have_text("医师执业证书复核")
    assert "token" not in page.url
    camera = page.locator("#camera")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    capture = page.locator("label.capture")
    expect(capture).to_have_text("拍照核验")
    expect(page.locator("label.choose")).to_have_text("选择文件")
    # No desktop wording on a phone: nothing to drag here.
    expect(page.locator(".drop-only")).to_be_hidden()
    assert capture.bounding_box()["width"] > PHONE["width"] * 0.8
    page.fill("#reviewer", "陈审核")
    page.locator("#reviewer").dispatch_event("change")
    expect(page.locator("#reviewer")).to_have_js_property("readOnly", True)
    fits_the_screen(page)
    shot(page, "phone-01-open.png")

    # The first photo has glare over the name and the code: the page says so, and what to do.
    page.set_input_files("#camera", str(wall.glare))
    advice = page.locator("#photo-advice")
    expect(advice).to_be_visible(timeout=90_000)
    expect(advice).to_have_class("photo-advice retake")
    expect(advice.locator(".photo-summary")).to_have_text("这张照片需要重拍。")
    glare = advice.locator('.photo-steps li[data-cause="glare"]')
    expect(glare).to_have_text("反光遮住了姓名、证书编码：往旁边站一步，换个角度避开反光再拍。")
    expect(glare).to_have_attribute("data-fields", "name certificate_code")
    expect(page.locator("#retake")).to_be_visible()
    expect(page.locator("#same-shot")).to_be_hidden()
    fits_the_screen(page)
    shot(page, "phone-02-retake.png")

    # The retake is good, and came right after: the page asks whether it is the same certificate.
    page.set_input_files("#camera", str(wall.good))
    expect(advice).to_have_class("photo-advice", timeout=90_000)
    expect(advice.locator(".photo-summary")).to_have_text("照片清晰，可以用了。")
    expect(page.locator("#retake")).to_be_hidden()
    same = page.locator("#same-shot")
    expect(same).to_be_visible()
    expect(same).to_contain_text("同一张证书？")
    fits_the_screen(page)
    shot(page, "phone-03-good.png")

    # Yes: the two shots are read as one, and each field says which shots agreed.
    page.locator("#same-yes").tap()
    expect(same).to_be_hidden()
    expect(page.locator("#items li")).to_have_count(1)
    sex = page.locator('#fields tr[data-key="sex"]')
    expect(sex.locator(".shots")).to_have_text("第1、2张照片读数一致")
    name = page.locator('#fields tr[data-key="name"]')
    expect(name.locator("input")).to_have_value(truth["name"])
    [merged] = desk.items()
    assert len(merged.shots) == 2
    assert merged.reviewed.record.value("certificate_code") == truth["certificate_code"]

    # Tapping a field highlights its box on the shot it was read from; a tap on the picture zooms it
    # within its own frame (the page itself still does not scroll sideways).
    name.locator("input").tap()
    box = page.locator('.view.shot svg.boxes rect.focused[data-key="name"]')
    expect(box).to_have_count(1)
    shown_on = box.evaluate("(rect) => rect.closest('.view').querySelector('img').alt")
    view = page.locator(".view.shot").filter(has=page.locator(f'img[alt="{shown_on}"]'))
    view.locator("svg.boxes").tap(position={"x": 4, "y": 4})
    expect(view).to_have_class(re.compile(r"\bzoomed\b"))
    assert view.locator(".canvas").bounding_box()["width"] > PHONE["width"] * 2
    fits_the_screen(page)

    # The inputs are as wide as the screen: the longest values show in full.
    institution = page.locator('#fields tr[data-key="institution"] input')
    assert institution.bounding_box()["width"] > PHONE["width"] * 0.85

    # The reviewer corrects a field: the issue date typed the way it is printed is put in order.
    issue = page.locator('#fields tr[data-key="issue_date"]')
    issue.locator("input").tap()
    year, month, day = truth["issue_date"].split("-")
    issue.locator("input").fill(f"{year}年{int(month)}月{int(day)}日")
    issue.locator("input").press("Enter")
    expect(page.locator('#audit li[data-field="issue_date"]')).to_contain_text(truth["issue_date"])
    expect(page.locator('#audit li[data-field="issue_date"]')).to_contain_text("复核人 陈审核")
    expect(issue).to_have_attribute("data-state", "confirmed")
    fits_the_screen(page)
    shot(page, "phone-04-fields.png", page.locator("#detail"))

    # Verify: the registry has the doctor at another institution since.
    page.locator("#verify").tap()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_class("verdict mismatch")
    expect(verdict.locator('.differences li[data-field="institution"]')).to_contain_text(MOVED_TO)

    # The official check, prepared for every verdict: what the national query asks for, as text.
    official = page.locator("#official")
    expect(official).to_be_visible()
    expect(official.locator("h3")).to_have_text("到官方平台核验")
    expect(official.locator(".address")).to_have_text("https://zgcx.nhc.gov.cn/doctor")
    expect(official.locator('dd[data-key="name"]')).to_contain_text(truth["name"])
    expect(official.locator('dd[data-key="province"]')).to_contain_text("重庆市")
    expect(official).to_contain_text(".gov.cn")
    # certscan never opens or frames the official site.
    assert page.locator('iframe, a[href*="nhc.gov.cn"]').count() == 0
    fits_the_screen(page)
    shot(page, "phone-05-verdict.png", verdict)

    # The reviewer records what the official query showed: the doctor, at the new institution.
    official.locator('input[data-key="institution"]').fill(MOVED_TO)
    official.locator("#official-save").tap()
    result = page.locator("#official-result")
    expect(result.locator('.differences li[data-field="institution"]')).to_contain_text(MOVED_TO)
    expect(result).to_contain_text("陈审核")
    expect(page.locator('#audit li[data-action="official_check"]')).to_contain_text("陈审核")
    [item] = desk.items()
    [recorded] = item.reviewed.official
    assert recorded.found and recorded.reviewer == "陈审核"
    fits_the_screen(page)
    shot(page, "phone-06-official.png", official)

    # The evidence sheet, for a mismatch: the ID number masked unless asked for.
    evidence = page.locator("#evidence")
    expect(evidence).to_be_visible()
    expect(page.locator("#evidence-full")).not_to_be_checked()
    with page.expect_popup() as opened:
        page.locator("#evidence-link").tap()
    sheet = opened.value
    sheet.wait_for_load_state()
    html = sheet.content()
    assert mask_id(truth["id_number"]) in html
    assert truth["id_number"] not in html
    assert truth["name"] in html and MOVED_TO in html
    sheet.set_viewport_size(PHONE)
    sheet.screenshot(path=str(ARTIFACTS / "phone-07-evidence.png"))
    sheet.close()
    # Nothing audited for a masked sheet; the full number is a choice, and it is audited.
    assert not any(str(e.action) == "full_id_shown" for e in desk.items()[0].reviewed.audit)
    page.locator("#evidence-full").check()
    with page.expect_popup() as opened:
        page.locator("#evidence-link").tap()
    full = opened.value
    full.wait_for_load_state()
    assert truth["id_number"] in full.content()
    full.close()
    [item] = desk.items()
    shown = [e for e in item.reviewed.audit if str(e.action) == "full_id_shown"]
    assert [e.reviewer for e in shown] == ["陈审核"]


@pytest.fixture
def booklet_desk(tmp_path):
    """A desk served on localhost with results rows: 张三's old booklet with one change block read
    unsurely, and two shots of 李四's certificate (no pictures: rows of an earlier scan)."""
    from test_registry import zhang
    from test_review_web_phone import booklet_row
    from test_verify import reading

    li = reading(zhang(name="李四")).to_json()
    rows = [booklet_row(), {**li, "file": "IMG_0101.jpg"}, {**li, "file": "IMG_0102.jpg"}]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    desk = ReviewDesk(tmp_path / "out" / "reviewed.jsonl")
    desk.add_results(results)
    sock = lan.bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(desk, WebSettings()), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/", desk
    server.should_exit = True
    thread.join(10)
    desk.close()


def test_on_a_phone_a_change_block_is_corrected_and_shots_are_grouped_by_choice(booklet_desk, phone):
    from playwright.sync_api import expect

    url, desk = booklet_desk
    page = phone
    page.goto(url)
    expect(page.locator("#items li")).to_have_count(3)

    # The booklet's 变更注册记录: the block read unsurely is marked, and corrected part by part.
    page.locator("#items li", has_text="张三").tap()
    expect(page.locator("#document")).to_have_text("医师执业证书（旧版卫生部证书本）")
    block = page.locator('#change-list li[data-index="0"]')
    expect(block).to_have_attribute("data-state", "review")
    expect(block.locator(".reasons")).to_have_text("识别把握不足")
    block.locator('input[data-part="date"]').fill("2019年3月2日")
    expect(block.locator(".change-save")).to_have_text("保存此条")
    fits_the_screen(page)
    block.locator(".change-save").tap()
    block = page.locator('#change-list li[data-index="0"]')
    expect(block).to_have_attribute("data-state", "confirmed")
    expect(block.locator('input[data-part="date"]')).to_have_value("2019-03-02")
    expect(block.locator(".reasons")).to_have_count(0)
    expect(block).to_contain_text("识别为「2019-03-01」")
    expect(page.locator('#audit li[data-field="change-0-date"]')).to_contain_text(
        "「2019-03-01」 → 「2019-03-02」"
    )
    shot(page, "phone-08-changes.png", page.locator("#changes"))
    item = next(i for i in desk.items() if i.reviewed.record.changes)
    assert item.reviewed.record.changes[0].date == "2019-03-02" and item.reviewed.record.changes[0].confirmed

    # Two shots of 李四 ticked on the list are read as one.
    expect(page.locator("#group")).to_be_hidden()
    for file in ("IMG_0101.jpg", "IMG_0102.jpg"):
        page.locator("#items li", has_text=file).locator(".pick").tap()
    expect(page.locator("#group")).to_be_visible()
    fits_the_screen(page)
    page.locator("#group").tap()
    expect(page.locator("#items li")).to_have_count(2)
    expect(page.locator("#item-title")).to_contain_text("IMG_0101.jpg+IMG_0102.jpg")
    expect(page.locator('#fields tr[data-key="name"] .shots')).to_have_text("第1、2张照片读数一致")
    # Rows of an earlier scan have no pictures here: none is shown broken.
    expect(page.locator("#views .view")).to_have_count(0)
    expect(page.locator("#views")).to_have_text("没有可显示的图像")
    fits_the_screen(page)
    shot(page, "phone-09-grouped.png")
