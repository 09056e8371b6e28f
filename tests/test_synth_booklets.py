"""The booklet and document generator (issue 19): every kind renders, its truth follows SPEC
("Documents, layouts and pages"), it is reproducible, and the older generator is untouched."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from scanner.synth import generate, generate_documents
from scanner.synth.booklet import choose_hand, label, new_page
from scanner.synth.documents import KINDS, VIEWS, doc_rng, render_document
from scanner.synth.fonts import load_font
from scanner.synth.papers import ALL_FIELDS, CURRENT_KEYS, current_of, make_doctor, province_of
from scanner.synth.scripts import SCRIPT_WORDS, SCRIPTS, can_draw

# Enough pictures per kind to meet every view and the redaction and other-province draws.
SAMPLES = 6


@pytest.fixture(scope="module")
def pictures() -> dict[str, list[dict]]:
    """Truth of SAMPLES pictures of every kind (flat renders, no degradation: fast)."""
    return {
        kind: [render_document(kind, doc_rng(11, i, kind)).truth for i in range(SAMPLES)] for kind in KINDS
    }


def test_every_kind_renders_with_its_document_and_layout(pictures: dict[str, list[dict]]) -> None:
    expected = {
        "old_booklet": ("practising_certificate", "old_booklet"),
        "current_booklet": ("practising_certificate", "current"),
        "qualification": ("qualification_certificate", None),
        "title": ("title_certificate", None),
    }
    for kind, truths in pictures.items():
        for truth in truths:
            assert (truth["document"], truth["layout"]) == expected[kind]
            assert set(truth["fields"]) == set(ALL_FIELDS)
            assert truth["pages"]


def test_views_cover_pages_spreads_and_stacked_spreads(pictures: dict[str, list[dict]]) -> None:
    seen = {t["view"] for t in pictures["old_booklet"] + pictures["current_booklet"]}
    assert seen == {"page", "spread", "stacked"}
    assert all(
        t["pages"] == ["p1", "p2", "p3", "p4"] for t in pictures["old_booklet"] if t["view"] == "stacked"
    )


def test_old_booklet_truth_follows_the_old_mapping(pictures: dict[str, list[dict]]) -> None:
    for truth in pictures["old_booklet"]:
        fields, booklet = truth["fields"], truth["booklet"]["fields"]
        assert fields["institution"] is None  # no 主要执业机构 label on this layout
        if "p3" in truth["pages"]:
            # 执业地点 names the institution; 证书编码 there is the qualification code.
            assert booklet["practice_place"] == booklet["institution"]
            if "qualification_code" not in truth["redacted"]:
                assert fields["qualification_code"] == booklet["qualification_code"]
        else:
            assert fields["name"] is None and fields["qualification_code"] is None
        if "p2" not in truth["pages"]:
            assert fields["certificate_code"] is None and fields["issue_date"] is None
        assert booklet["issue_date"] <= "2017-03-31"


def test_qualification_codes_are_24_to_27_digits(pictures: dict[str, list[dict]]) -> None:
    for kind in ("old_booklet", "qualification"):
        for truth in pictures[kind]:
            code = truth["booklet"]["fields"]["qualification_code"]
            assert re.fullmatch(r"\d{24,27}", code), code
    assert all(t["fields"]["qualification_code"] is None for t in pictures["current_booklet"])


def test_changes_are_dated_after_issue_in_order_and_current_applies_them(
    pictures: dict[str, list[dict]],
) -> None:
    with_changes = 0
    for kind in ("old_booklet", "current_booklet"):
        for truth in pictures[kind]:
            changes = truth["booklet"]["changes"]
            dates = [c["date"] for c in changes]
            assert dates == sorted(dates) and len(set(dates)) == len(dates)
            assert all(d > truth["booklet"]["fields"]["issue_date"] for d in dates)
            assert len(changes) <= 3
            for change in changes:
                assert set(change) == {"item", "value", "date", "authority", "new_code"}
                assert change["new_code"] is None or re.fullmatch(r"\d{15}", change["new_code"])
            current = truth["current"]
            assert set(current) == {*CURRENT_KEYS, "from_change"}
            assert current == current_of(truth["fields"], truth["changes"], truth["layout"])
            if truth["changes"]:
                with_changes += 1
                newest = truth["changes"][-1]
                assert current["from_change"] == len(truth["changes"]) - 1
                if newest["item"] in ("执业地点变更", "主要执业机构变更") and kind == "old_booklet":
                    assert current["institution"] == newest["value"]
    assert with_changes


def test_current_starts_from_the_old_booklets_practice_place() -> None:
    fields = dict.fromkeys(ALL_FIELDS)
    fields.update(practice_place="重庆市第九人民医院", scope="内科专业", certificate_code="1" * 15)
    changes = [
        {
            "item": "执业范围变更",
            "value": "全科医学专业",
            "date": "2012-01-02",
            "authority": "a",
            "new_code": None,
        },
        {
            "item": "执业地点变更",
            "value": "重庆市中医院",
            "date": "2015-05-06",
            "authority": "b",
            "new_code": "2" * 15,
        },
    ]
    assert current_of(fields, [], "old_booklet")["institution"] == "重庆市第九人民医院"
    current = current_of(fields, changes, "old_booklet")
    assert current == {
        "institution": "重庆市中医院",
        "practice_place": "重庆市中医院",
        "scope": "全科医学专业",
        "category": None,
        "certificate_code": "2" * 15,
        "from_change": 1,
    }


def test_redacted_fields_are_null(pictures: dict[str, list[dict]]) -> None:
    redacted = 0
    for truths in pictures.values():
        for truth in truths:
            assert len(truth["redaction_boxes"]) == len(truth["redacted"])
            for key in truth["redacted"]:
                assert truth["fields"][key] is None
                redacted += 1
    assert redacted


def test_other_provinces_keep_their_own_authorities() -> None:
    doctor = make_doctor(doc_rng(3, 0), "old_booklet", other_province=True)
    assert not doctor.base["authority"].startswith("重庆")
    assert not doctor.base["institution"].startswith("重庆")


def test_current_layout_is_issued_under_the_2017_rules() -> None:
    for i in range(20):
        assert make_doctor(doc_rng(4, i), "current").base["issue_date"] >= "2017-04-01"


def test_the_assistant_booklet_says_so() -> None:
    from scanner.synth.booklet import choose_hand, old_p1

    rng = doc_rng(1, 1)
    sheet = old_p1(rng, (600, 820), "执业助理医师", choose_hand(rng, (600, 820), "王伟"))
    assert "发给执业助理医师执业证书" in sheet.info["preamble"]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    kinds = tuple(KINDS)
    generate_documents(tmp_path / "a", 4, 9, ("scan", "hard"), kinds)
    generate_documents(tmp_path / "b", 4, 9, ("scan", "hard"), kinds)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "a").glob("*.json"))]
    assert {r["kind"] for r in records} == set(KINDS)
    assert all(set(r["boxes"]) == set(r["flat_boxes"]) for r in records)


def test_generate_is_unchanged_by_the_document_generator(tmp_path: Path) -> None:
    # Rendering documents first must not disturb what `generate` writes for a seed.
    generate(tmp_path / "a", 1, 5, ("scan",))
    generate_documents(tmp_path / "docs", 1, 5, ("scan",), ("old_booklet",))
    generate(tmp_path / "b", 1, 5, ("scan",))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_views_table_names_only_pages_each_kind_draws() -> None:
    for kind, views in VIEWS.items():
        truth = render_document(kind, doc_rng(2, 0, kind)).truth
        for _, rows, _ in views:
            for row in rows:
                assert len(row) in (1, 2)
        assert truth["pages"]


# `generate(out, 3, 5, scan/photo/hard)` recorded before the document generator was added: its
# truth, and the first scan's bytes on the font set it was made with (other font sets draw other
# pixels, so the byte check only runs where the same faces are installed).
BEFORE_FIELDS = {
    "name": "何世天",
    "sex": "男",
    "birth_date": "1969-10-14",
    "id_number": "500224196910148416",
    "level": "执业医师",
    "category": "中医",
    "scope": "中医专业",
    "practice_place": "重庆市",
    "institution": "巫山县中医院",
    "authority": "重庆市卫生健康委员会",
    "issue_date": "2023-07-15",
    "certificate_code": "125002378180848",
}
BEFORE_SHA256 = "787833423f411df1dbbcc10a0b719e6a6b82aa9682c9293979bea3ec55c9c25f"
BEFORE_FACES = [
    "AR PL UKai CN",
    "AR PL UMing CN",
    "Noto Sans CJK SC",
    "Noto Sans CJK SC Bold",
    "Noto Sans Mono CJK SC",
    "Noto Sans Mono CJK SC Bold",
    "Noto Serif CJK SC",
    "Noto Serif CJK SC Bold",
    "WenQuanYi Micro Hei",
    "WenQuanYi Micro Hei Mono",
    "WenQuanYi Zen Hei",
    "WenQuanYi Zen Hei Mono",
]


def test_generate_matches_its_output_from_before_the_documents(tmp_path: Path) -> None:
    from scanner.synth.fonts import available_faces

    generate(tmp_path, 1, 5, ("scan",))
    assert json.loads((tmp_path / "0000_scan.json").read_text(encoding="utf-8"))["fields"] == BEFORE_FIELDS
    if sorted({f.label for f in available_faces()}) == BEFORE_FACES:
        assert hashlib.sha256((tmp_path / "0000_scan.jpg").read_bytes()).hexdigest() == BEFORE_SHA256


def test_the_command_line_renders_documents_on_request(tmp_path: Path) -> None:
    from scanner.synth.__main__ import main

    assert (
        main(
            ["--out", str(tmp_path), "--count", "1", "--seed", "3", "--modes", "scan", "--documents", "title"]
        )
        == 0
    )
    record = json.loads((tmp_path / "0000_title_scan.json").read_text(encoding="utf-8"))
    assert record["document"] == "title_certificate" and record["layout"] is None
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--documents", "passport"])
    bilingual = tmp_path / "bilingual"
    args = ["--out", str(bilingual), "--count", "1", "--seed", "3", "--modes", "scan"]
    assert main([*args, "--documents", "old_booklet", "--bilingual"]) == 0
    record = json.loads((bilingual / "0000_old_booklet_scan.json").read_text(encoding="utf-8"))
    assert record["script"] in SCRIPTS and record["other_province"]
    with pytest.raises(SystemExit):
        main([*args, "--bilingual"])  # certificates have no second script


def test_a_booklet_from_an_autonomous_region_prints_its_labels_in_two_scripts() -> None:
    seen = set()
    for i in range(12):
        truth = render_document("old_booklet", doc_rng(77, i), bilingual=True).truth
        assert truth["other_province"] and truth["script"] in SCRIPTS
        seen.add(truth["script"])
        place = truth["booklet"]["fields"]["institution"]
        assert not place.startswith("重庆"), place
    assert seen == set(SCRIPTS)
    # Every label of the old booklet has its word in each script, and this machine draws them all.
    labels = {
        "姓名",
        "性别",
        "出生日期",
        "医师资格",
        "证书编码",
        "执业地点",
        "执业类别",
        "执业范围",
        "身份证号",
    }
    labels |= {"编码", "发证机关", "签发人", "发证日期", "新证书编码", "变更项目", "变更日期", "批准机关"}
    for script in SCRIPTS:
        assert labels <= set(SCRIPT_WORDS[script]) and can_draw(script), script


@pytest.mark.parametrize("script", ["mongolian", "zhuang", "tibetan", "uyghur"])
def test_the_second_script_is_drawn_beside_the_label(script: str) -> None:
    rng = doc_rng(5, 0)
    hand = choose_hand(rng, (800, 1000), "王伟")
    font = load_font(hand.style.label_face, 40)
    plain, bilingual = new_page(rng, (800, 1000), hand), new_page(doc_rng(5, 0), (800, 1000), hand)
    bilingual.image.paste(plain.image)
    label(plain, 200, 300, "执业范围", font, "：")
    label(bilingual, 200, 300, "执业范围", font, "：", (script, 0.6), 100.0)
    diff = np.abs(np.asarray(plain.image, np.int16) - np.asarray(bilingual.image, np.int16)).sum(axis=2) > 60
    ys, xs = np.nonzero(diff)
    assert len(xs) > 50, script
    if script == "mongolian":
        # A column read top to bottom, left of the label, within the row.
        assert xs.max() < 200 and ys.max() - ys.min() > xs.max() - xs.min()
    else:
        # Under the label, smaller.
        assert ys.min() > 300 - 40 and xs.min() >= 195


@pytest.mark.parametrize("script", ["zhuang", "tibetan", "uyghur"])
def test_the_second_script_under_a_label_stays_clear_of_the_next_rows_label(script: str) -> None:
    # Rows 70 px apart with 40 px labels (a bilingual change page's rows are this tight): the word
    # is set small enough to stand between them, never over the next label.
    rng = doc_rng(5, 0)
    hand = choose_hand(rng, (800, 1000), "王伟")
    font = load_font(hand.style.label_face, 40)
    page = new_page(rng, (800, 1000), hand)
    plain = page.image.copy()
    label(page, 200, 300, "执业范围", font, "：", (script, 0.75), 70.0)
    diff = np.abs(np.asarray(plain, np.int16) - np.asarray(page.image, np.int16)).sum(axis=2) > 60
    ys, _ = np.nonzero(diff[305:])
    assert len(ys) > 20, script
    assert 305 + ys.max() < 300 + 70 - 0.88 * 40, script


def test_a_province_is_read_off_its_place_prefix() -> None:
    assert province_of("四川省成都市") == "四川省"
    assert province_of("北京市") == "北京市"
    assert province_of("广西壮族自治区南宁市") == "广西壮族自治区"
    assert province_of("新疆维吾尔自治区乌鲁木齐市") == "新疆维吾尔自治区"


def test_codes_on_the_old_booklet_are_written_on_one_line() -> None:
    # A 26-digit code in a large hand once wrapped its last digit onto the next row, where no reader
    # would look for it: clerks write a code smaller instead.
    for i in range(16):
        picture = render_document("old_booklet", doc_rng(7, i), bilingual=i % 2 == 0)
        boxes = picture.boxes
        if "qualification_code" in boxes and "name" in boxes:
            code, name = boxes["qualification_code"], boxes["name"]
            assert code[3] - code[1] < 1.6 * (name[3] - name[1]), (i, code, name)


def test_no_paper_of_a_doctor_is_dated_after_today_or_a_qualification_after_its_registration():
    # A 资格证书 drawn in its exam year's autumn once came out after the spring registration it
    # allowed, and after the day the benchmark ran (2026-12-20 on seed 8080).
    from scanner.synth.identity import LATEST_ISSUE_DATE

    for seed in range(600):
        doctor = make_doctor(random.Random(seed), ("old_booklet", "current")[seed % 2])
        issued = doctor.base["issue_date"]
        assert doctor.extra["qualification_date"] < issued <= LATEST_ISSUE_DATE.isoformat(), seed
        assert doctor.extra["qualification_date"][:4] == str(doctor.exam_year), seed
        assert doctor.extra["title_date"] <= LATEST_ISSUE_DATE.isoformat(), seed
