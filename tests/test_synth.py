"""Tests for the synthetic certificate generator (scanner.synth)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from stdnum.cn import ric

from scanner.synth import (
    FIELDS,
    LAYOUTS,
    MODES,
    generate,
    make_identity,
    map_box,
    render_certificate,
    write_registry_csv,
)
from scanner.synth.degrade import DegradeResult, degrade, field_legibility
from scanner.synth.fonts import FONT_DIRS_ENV, FontNotFoundError, available_faces, load_font
from scanner.synth.identity import LATEST_ISSUE_DATE, institutions, region_codes, scopes_by_category
from scanner.synth.render import format_date, wrap_text

AUTHORITY = re.compile(r"^重庆市(\w+?(区|县))?(卫生健康委员会|卫生和计划生育委员会|卫生局)$")


@pytest.fixture(scope="module")
def identities() -> list[dict[str, str]]:
    rng = random.Random(1234)
    return [make_identity(rng) for _ in range(1500)]


@pytest.fixture(scope="module")
def renders() -> dict[str, tuple[dict[str, str], object]]:
    out = {}
    for i, layout in enumerate(LAYOUTS):
        rng = random.Random(100 + i)
        truth = make_identity(rng)
        out[layout] = (truth, render_certificate(truth, rng, layout))
    return out


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _valid_scope(category: str, scope: str) -> bool:
    """A scope is one allowed scope, or two distinct ones joined by 、 (some contain 、)."""
    allowed = scopes_by_category()[category]
    if scope in allowed:
        return True
    return any(f"{a}、{b}" == scope for a, b in itertools.permutations(allowed, 2))


# ------------------------------------------------------------------ identity


def test_identity_keys_in_canonical_order(identities: list[dict[str, str]]) -> None:
    assert all(tuple(t) == FIELDS for t in identities)


def test_id_number_checksum_birth_and_sex(identities: list[dict[str, str]]) -> None:
    codes = region_codes()
    for t in identities:
        number = t["id_number"]
        assert re.fullmatch(r"\d{17}[\dX]", number), number
        assert ric.calc_check_digit(number) == number[-1], number
        assert ric.get_birth_date(number).isoformat() == t["birth_date"]
        assert number[:6] in codes and number[:2] in ("50", "51")
        assert (int(number[16]) % 2 == 1) == (t["sex"] == "男")


def test_dates_in_range(identities: list[dict[str, str]]) -> None:
    for t in identities:
        birth, issued = date.fromisoformat(t["birth_date"]), date.fromisoformat(t["issue_date"])
        assert date(1955, 1, 1) <= birth <= date(1999, 12, 31)
        assert _age_on(birth, issued) >= 24
        assert date(1999, 5, 1) <= issued <= LATEST_ISSUE_DATE


def test_categorical_fields(identities: list[dict[str, str]]) -> None:
    names = {n for n, _ in institutions()}
    for t in identities:
        assert t["sex"] in ("男", "女")
        assert t["level"] in ("执业医师", "执业助理医师")
        assert _valid_scope(t["category"], t["scope"]), (t["category"], t["scope"])
        assert t["institution"] in names
        assert t["practice_place"].startswith("重庆市")
        assert AUTHORITY.match(t["authority"]), t["authority"]
        assert re.fullmatch(r"\d{15}", t["certificate_code"])
        year = int(t["issue_date"][:4])
        if year < 2014:
            assert t["authority"].endswith("卫生局")
        elif year >= 2018:
            assert t["authority"].endswith("卫生健康委员会")


def test_identity_variety(identities: list[dict[str, str]]) -> None:
    """The rare cases the extractor must cope with actually occur."""
    n = len(identities)
    assert 0.7 < sum(t["level"] == "执业医师" for t in identities) / n < 0.9
    assert any("·" in t["name"] for t in identities)
    assert any(len(t["name"]) >= 4 and "·" not in t["name"] for t in identities)
    assert any(t["id_number"].startswith("51") for t in identities)
    assert any(t["id_number"].endswith("X") for t in identities)
    assert any(t["scope"].count("、") >= 1 and t["scope"] != "医学检验、病理专业" for t in identities)
    assert {t["category"] for t in identities} == {"临床", "中医", "口腔", "公共卫生"}
    structured = sum(
        t["certificate_code"][:2] in ("11", "12", "13", "14", "21", "22", "23", "24") for t in identities
    )
    assert 0.75 < structured / n < 0.95


# ------------------------------------------------------------------ render


def test_format_date_variants() -> None:
    assert format_date("2019-03-05", "cn") == "2019年3月5日"
    assert format_date("2019-03-05", "cn_padded") == "2019年03月05日"
    assert format_date("2019-03-05", "iso") == "2019-03-05"
    assert format_date("2019-03-05", "dotted") == "2019.03.05"


def test_wrap_text_keeps_text_and_width() -> None:
    font = load_font(available_faces()[0], 40)
    text = "彭水苗族土家族自治县妇幼保健计划生育服务中心、内科专业"
    lines = wrap_text(text, font, 400)
    assert len(lines) >= 3
    assert "".join(lines) == text
    assert all(not line.startswith("、") for line in lines)
    assert all(font.getlength(line) <= 400 + font.size for line in lines)


def test_render_every_layout(renders: dict) -> None:
    for layout, (truth, result) in renders.items():
        image = result.image
        assert image.mode == "RGB"
        assert 2000 <= image.width <= 2600
        assert result.style["layout"] == layout
        assert list(result.boxes) == list(FIELDS)
        for key, (x0, y0, x1, y1) in result.boxes.items():
            assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height, (layout, key)
        printed = result.style["printed_lines"]
        for key in FIELDS:
            joined = "".join(printed[key])
            if key in ("birth_date", "issue_date"):
                assert joined == format_date(truth[key], result.style["date_format"])
            else:
                assert joined == truth[key]


def test_value_boxes_contain_ink(renders: dict) -> None:
    """Each value box holds dark printed pixels (the box really marks the value)."""
    for _truth, result in renders.values():
        grey = np.asarray(result.image.convert("L"))
        for key, (x0, y0, x1, y1) in result.boxes.items():
            assert grey[y0:y1, x0:x1].min() < 110, key


def test_render_is_deterministic() -> None:
    truth = make_identity(random.Random(5))
    a = render_certificate(truth, random.Random(9))
    b = render_certificate(truth, random.Random(9))
    assert a.style == b.style and a.boxes == b.boxes
    assert a.image.tobytes() == b.image.tobytes()


def test_long_values_wrap_somewhere() -> None:
    truth = make_identity(random.Random(3))
    truth["institution"] = "彭水苗族土家族自治县妇幼保健计划生育服务中心"
    wrapped = set()
    for seed in range(8):
        result = render_certificate(truth, random.Random(seed), LAYOUTS[seed % 2])
        wrapped.update(result.style["wrapped_fields"])
    assert "institution" in wrapped


# ------------------------------------------------------------------ degrade


@pytest.mark.parametrize("mode", sorted(MODES))
def test_degrade_geometry(mode: str, renders: dict) -> None:
    limits = {"scan": (1600, 2400), "photo": (1600, 3000), "hard": (960, 1800)}[mode]
    for i, (_truth, result) in enumerate(renders.values()):
        shot = degrade(result.image, random.Random(i), mode)
        w, h = shot.image.size
        assert limits[0] - 2 <= max(w, h) <= limits[1] + 2
        quad = np.array(shot.quad)
        assert quad.shape == (4, 2)
        if not shot.params.get("partly_outside"):
            assert (quad >= -1).all() and (quad[:, 0] <= w + 1).all() and (quad[:, 1] <= h + 1).all()
        # Clockwise from top-left in image coordinates (y down) => positive shoelace area.
        area = 0.5 * sum(quad[k, 0] * quad[k - 3, 1] - quad[k - 3, 0] * quad[k, 1] for k in range(4))
        assert area > 0.2 * w * h
        if mode == "hard":
            # The first corner is the page's own top-left corner, wherever the quarter turn put it.
            top = quad[1] - quad[0]
            heading = np.degrees(np.arctan2(top[1], top[0])) % 360
            expected = 90 * shot.params["quarter_turns"]
            assert min(abs(heading - expected), 360 - abs(heading - expected)) < 45
        else:
            assert quad[0].sum() == quad.sum(axis=1).min()  # first corner is the top-left one
        decoded = Image.open(io.BytesIO(shot.encoded))
        assert decoded.size == (w, h) and decoded.format == "JPEG"
        for box in result.boxes.values():
            x0, y0, x1, y1 = map_box(box, shot.matrix)
            assert x0 < x1 and y0 < y1
            if not shot.params.get("partly_outside"):
                assert x0 >= -1 and x1 <= w + 1 and y0 >= -1 and y1 <= h + 1
        if mode == "scan":
            assert abs(shot.params["angle"]) <= 1.5
        elif mode == "photo":
            assert abs(shot.params["angle"]) <= 6


def test_unknown_mode_rejected(renders: dict) -> None:
    with pytest.raises(ValueError):
        degrade(renders["grid"][1].image, random.Random(0), "nope")


# ------------------------------------------------------------------ generate / CLI helpers


def test_generate_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 2, seed=11, modes=("scan", "photo"))
    b = generate(tmp_path / "b", 2, seed=11, modes=("scan", "photo"))
    assert [p.name for p in a] == ["0000_scan.json", "0000_photo.json", "0001_scan.json", "0001_photo.json"]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.with_suffix(".jpg").read_bytes() == pb.with_suffix(".jpg").read_bytes()
    record = json.loads(a[0].read_text(encoding="utf-8"))
    assert record["file"] == "0000_scan.jpg" and record["mode"] == "scan" and record["seed"] == 11
    assert list(record["fields"]) == list(FIELDS)
    assert set(record["boxes"]) == set(FIELDS) and len(record["quad"]) == 4
    # Both modes of one certificate share its truth; a different seed gives another person.
    assert json.loads(a[1].read_text(encoding="utf-8"))["fields"] == record["fields"]
    c = generate(tmp_path / "c", 1, seed=12, modes=("scan",))
    assert json.loads(c[0].read_text(encoding="utf-8"))["fields"] != record["fields"]


def test_hard_photos_are_reproducible_and_vary(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 16, seed=5, modes=("hard",))
    b = generate(tmp_path / "b", 16, seed=5, modes=("hard",))
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.with_suffix(".jpg").read_bytes() == pb.with_suffix(".jpg").read_bytes()
    params = [json.loads(p.read_text(encoding="utf-8"))["degrade"] for p in a]
    assert {p["quarter_turns"] for p in params} == {0, 1, 2, 3}
    assert {p["background"] for p in params} == {"wall", "desk", "frame"}
    assert any("glare" in p for p in params) and any("motion_blur" in p for p in params)
    assert max(abs(p["yaw"]) for p in params) > 20
    assert all(p["jpeg_quality"] <= 65 for p in params)


def test_write_registry_csv_roundtrip(tmp_path: Path, identities: list[dict[str, str]]) -> None:
    path = tmp_path / "reg" / "registry.csv"
    write_registry_csv(identities[:20], path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == identities[:20]
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(FIELDS)


def test_missing_fonts_fail_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FONT_DIRS_ENV, str(tmp_path))
    with pytest.raises(FontNotFoundError, match=FONT_DIRS_ENV):
        available_faces()


# ------------------------------------------------------------------ legibility truth


def _shot(washout: np.ndarray | None) -> DegradeResult:
    """A 200 × 100 photo that shows the flat page unmoved, with `washout` as its glare truth."""
    return DegradeResult(
        image=Image.new("RGB", (200, 100)),
        quad=[[0, 0], [200, 0], [200, 100], [0, 100]],
        params={},
        encoded=b"",
        matrix=np.eye(3).tolist(),
        washout=washout,
    )


def test_a_value_in_clear_view_is_legible() -> None:
    seen = field_legibility(_shot(None), [20, 40, 120, 56], ["500114197303107440"])
    assert seen["legible"] and seen["outside"] == 0.0 and seen["washed_out"] == 0.0
    assert seen["print_px"] == pytest.approx(16.0)


def test_a_value_running_a_character_off_the_picture_is_illegible() -> None:
    # 10 characters over 100 px: the last 15 px (one and a half characters) lie beyond x = 200.
    assert not field_legibility(_shot(None), [115, 40, 215, 56], ["0123456789"])["legible"]
    # A sliver of the last character (a twentieth of it) outside is not a lost character.
    assert field_legibility(_shot(None), [100.5, 40, 200.5, 56], ["0123456789"])["legible"]


def test_only_print_a_reflection_washed_out_is_illegible() -> None:
    washout = np.zeros((100, 200), np.uint8)
    washout[:, 100:130] = 250  # a washed-out band three characters wide
    washed = field_legibility(_shot(washout), [90, 40, 190, 56], ["0123456789"])
    assert not washed["legible"] and washed["washed_out"] == pytest.approx(0.3, abs=0.02)
    washout[:, 100:130] = 200  # the same reflection, print lifted only 80% of the way to white
    faint = field_legibility(_shot(washout), [90, 40, 190, 56], ["0123456789"])
    assert faint["legible"] and faint["glare"] == pytest.approx(200 / 255, abs=0.01)


def test_samples_record_the_legibility_of_every_field(tmp_path: Path) -> None:
    paths = generate(tmp_path, 4, seed=23, modes=("scan", "hard"))
    for path in paths:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert set(record["legibility"]) == set(FIELDS)
        if record["mode"] == "scan":
            assert all(v["legible"] for v in record["legibility"].values())
