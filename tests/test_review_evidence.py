"""The evidence sheet: one self-contained HTML file for escalation, parsed back here as a browser
would read it. A generated phone photo is scanned for real and verified against a registry that
holds the doctor at another hospital (a mismatch), so the sheet has a photo, a flattened page with
the field boxes, a correction by a named reviewer, a registry result and an official result."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_registry import ZHANG_ID, write_csv, zhang
from test_review_official import audit_lines, desk_with
from test_verify import reading

from scanner.fields import Document, FieldKey
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.review.desk import ReviewDesk
from scanner.review.session import ReviewRefused
from scanner.synth import generate, write_registry_csv
from scanner.text import mask_birth_date, mask_id

TODAY = dt.date(2026, 12, 6)


@dataclass
class Parsed(HTMLParser):
    """What a browser would find in the sheet: its elements, its visible text, its pictures."""

    tags: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def parse(page: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(page)
    parsed.close()
    return parsed


def registry_of(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "registry.db"
    store = SqliteRegistry.create(path)
    import_csv(write_csv(tmp_path / "roster.csv", rows, header=list(zhang())), store)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, scanner):
    """A generated phone photo read for real on a desk whose registry holds the doctor at another
    hospital; the name confirmed and the scope corrected by 陈审核; the verdict is a mismatch."""
    tmp = tmp_path_factory.mktemp("evidence")
    [truth_path] = generate(tmp, count=1, seed=5, modes=("photo",))
    truth = json.loads(truth_path.read_text("utf-8"))
    fields = truth["fields"]
    moved = {
        **fields,
        "institution": "重庆市人民医院" if "人民医院" not in fields["institution"] else "重庆市中医院",
    }
    write_registry_csv([moved], tmp / "roster.csv")
    store = SqliteRegistry.create(tmp / "registry.db")
    import_csv(tmp / "roster.csv", store)
    store.close()
    desk = ReviewDesk(tmp / "out" / "reviewed.jsonl", today=TODAY, registry=str(tmp / "registry.db"),
                      scanner=lambda: scanner)  # fmt: skip
    [item] = desk.add_image(tmp / truth["file"])
    for key in FieldKey:
        if desk.get(item.id).reviewed.record.fields[key].review:
            desk.correct(item.id, key, fields.get(str(key)), "陈审核")
    desk.correct(item.id, FieldKey.NAME, fields["name"], "陈审核")
    verification = desk.verify(item.id)
    yield desk, item.id, fields, verification
    desk.close()


def test_the_sheet_shows_the_pictures_the_reading_the_verdict_and_where_to_go(scanned):
    desk, item_id, truth, verification = scanned
    assert verification.verdict == "mismatch", verification.differences
    desk.record_official(item_id, True, {"institution": "重庆市人民医院", "scope": truth["scope"]}, "李核验")
    page = parse(desk.evidence_html(item_id, "zh", reviewer="陈审核"))
    text = page.all_text
    assert "script" not in page.tags and page.tags[0] == "html"
    # The photo and the flattened page, both inline: nothing is fetched when the file is opened.
    assert len(page.images) == 2 and all(src.startswith("data:image/jpeg;base64,") for src in page.images)
    photo, flat = (Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) for src in page.images)
    assert photo.size == Image.open(io.BytesIO(desk.image(item_id) or b"")).size
    # The boxes are drawn in red on the flattened page.
    pixels = np.asarray(flat.convert("RGB")).astype(int)
    red = (pixels[..., 0] > 160) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 500
    # ID number and birth date masked; the full values nowhere in the file.
    assert mask_id(truth["id_number"]) in text and truth["id_number"] not in text
    assert mask_birth_date(truth["birth_date"]) in text and truth["birth_date"] not in text
    # What was read, who confirmed it, the verdict, the official result, and the channels.
    assert truth["name"] in text and "陈审核" in text and "确认" in text
    assert "✘ 不一致" in text and "重庆市人民医院" in text
    assert "李核验于" in text and "查到此医师" in text
    assert f"证书上的发证机关：{truth['authority']}" in text or "证书上印为" in text
    assert "公安机关" in text and "医师执业所在地的卫生健康行政部门" in text
    assert "身份证号和出生日期已部分隐去" in text and "证件：医师执业证书（现行版式）" in text


def test_the_full_id_number_is_shown_only_on_request_and_the_request_is_audited(scanned):
    desk, item_id, truth, _ = scanned
    before = len(audit_lines(desk))
    page = parse(desk.evidence_html(item_id, "en", full_id=True, reviewer="陈审核"))
    assert truth["id_number"] in page.all_text and "for an official report" in page.all_text
    entries = audit_lines(desk)
    assert len(entries) == before + 1
    assert {"action": "full_id_shown", "reviewer": "陈审核"}.items() <= entries[-1].items()
    # Asking for the number changes nothing in the record: the verification still holds.
    assert desk.get(item_id).verified is not None


def test_a_hostile_name_is_text_never_markup(tmp_path):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    record = reading(zhang(), name=hostile, institution='"><iframe src=//evil.example>')
    desk = desk_with(
        tmp_path, [record], registry=registry_of(tmp_path, [zhang(certificate_code="110500099999999")])
    )
    [item] = desk.items()
    assert desk.verify(item.id).verdict == "not_found"
    page = parse(desk.evidence_html(item.id, "zh", reviewer='<b>"审核"</b>'))
    assert hostile in page.all_text and '<b>"审核"</b>' in page.all_text
    assert not {"script", "iframe", "b"} & set(page.tags)
    assert [src for src in page.images] == []  # no picture: none of the hostile img tags became one
    assert not any(name.startswith("on") for name, _ in page.attributes)
    assert mask_id(ZHANG_ID) in page.all_text and ZHANG_ID not in page.all_text
    desk.close()


def test_no_sheet_for_a_consistent_certificate_and_nothing_audited(tmp_path):
    desk = desk_with(tmp_path, [reading(zhang())], registry=registry_of(tmp_path, [zhang()]))
    [item] = desk.items()
    with pytest.raises(ReviewRefused) as refused:
        desk.evidence_html(item.id, "en", full_id=True, reviewer="陈审核")
    assert "verify the certificate first" in refused.value.text("en")
    assert desk.verify(item.id).verdict == "consistent"
    with pytest.raises(ReviewRefused) as refused:
        desk.evidence_html(item.id, "zh", full_id=True, reviewer="陈审核")
    assert refused.value.text("zh").startswith("证据单只为")
    assert not desk.audit_file.exists()
    desk.close()


def test_a_qualification_certificate_gets_a_sheet_without_a_lookup(tmp_path):
    record = reading(zhang())
    record = type(record)(
        record.file, record.fields, record.checks, document=Document.QUALIFICATION, layout=None
    )
    desk = desk_with(tmp_path, [record])
    [item] = desk.items()
    text = parse(desk.evidence_html(item.id, "zh")).all_text
    assert "不是执业证书" in text and "尚未记录官方平台的查询结果" in text
    assert "证件：医师资格证书" in text
    desk.close()


def test_the_official_not_found_alone_is_reason_enough_for_a_sheet(tmp_path):
    desk = desk_with(tmp_path, [reading(zhang())])
    [item] = desk.items()
    desk.record_official(item.id, False, {}, "李核验")
    text = parse(desk.evidence_html(item.id, "zh")).all_text
    assert "未查到此医师" in text and "不能认定证书伪造" in text
    assert "尚未在登记库中核验" in text
    desk.close()
