"""The verification benchmark's booklet scenarios: the registry rows built from a booklet's truth, the
pictures chosen, the lag explanation required, and one small real run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.verifybench import (
    BOOKLET_SCENARIOS,
    generate_booklet_scenarios,
    lag_unexplained,
    moving_change,
    printed_registration,
    registration_now,
    run,
)
from scanner.normalize.institutions import InstitutionMatcher

EARLY = {"item": "执业范围变更", "value": "外科专业", "date": "2012-03-05", "authority": "重庆市卫生局"}
MOVE = {
    "item": "执业地点变更",
    "value": "重庆市妇幼保健院",
    "date": "2014-08-03",
    "authority": "重庆市渝北区卫生局",
}
BOOKLET = {
    "name": "徐宁",
    "sex": "女",
    "birth_date": "1963-08-12",
    "id_number": "510211196308127647",
    "level": "执业医师",
    "category": "临床",
    "scope": "内科专业",
    "practice_place": "重庆市合川区人民医院",
    "institution": "重庆市合川区人民医院",
    "authority": "重庆市合川区卫生局",
    "issue_date": "2009-02-24",
    "certificate_code": "115001178594930",
    "qualification_code": "2006113970591963081225485",
}
# An old booklet shown whole: its printed 执业地点 and two changes, the newer moving the doctor.
OLD: dict[str, Any] = {
    "layout": "old_booklet",
    "fields": {**BOOKLET, "institution": None},
    "changes": [EARLY, {**MOVE, "new_code": None}],
    "current": {"institution": MOVE["value"]},
    "booklet": {"fields": BOOKLET, "changes": [EARLY, {**MOVE, "new_code": None}]},
}


def test_the_registry_rows_are_the_booklet_before_and_after_its_changes() -> None:
    before, now = printed_registration(OLD), registration_now(OLD)
    assert before["institution"] == "重庆市合川区人民医院" and before["scope"] == "内科专业"
    assert now["institution"] == "重庆市妇幼保健院" and now["scope"] == "外科专业"
    # The old booklet's 执业地点 is an institution, never the registry's practice place (a province).
    assert before["practice_place"] == now["practice_place"] == ""
    assert now["certificate_code"] == "115001178594930" and now["name"] == "徐宁"
    assert moving_change(OLD) == {**MOVE, "new_code": None}
    assert moving_change({**OLD, "changes": [EARLY]}) is None


def test_a_lag_verdict_must_name_the_change_authority() -> None:
    lag = {"field": "institution", "kind": "registry_lag"}
    advice = ["请向批准这次变更的重庆市渝北区卫生局确认此医师当前的注册"]
    assert lag_unexplained({"differences": [lag], "advice": advice}, "重庆市渝北区卫生局") is None
    plain = {"differences": [{**lag, "kind": "institution"}], "advice": advice}
    assert "registry lag" in str(lag_unexplained(plain, "重庆市渝北区卫生局"))
    unnamed = {"differences": [lag], "advice": ["请向发证机关确认"]}
    assert "重庆市渝北区卫生局" in str(lag_unexplained(unnamed, "重庆市渝北区卫生局"))


def test_booklet_scenarios_take_only_pictures_that_can_carry_them(tmp_path: Path) -> None:
    matcher = InstitutionMatcher()
    paths, registry = generate_booklet_scenarios(tmp_path, 2, 7, ["scan"], matcher)
    truths = [json.loads(p.read_text("utf-8")) for p in paths]
    assert [t["scenario"] for t in truths] == [n for n in BOOKLET_SCENARIOS for _ in range(2)]
    for truth in truths:
        assert (tmp_path / truth["file"]).is_file()
        assert truth["expected_verdict"] == BOOKLET_SCENARIOS[truth["scenario"]].expected
        if truth["scenario"] == "qualification_offered":
            assert truth["document"] == "qualification_certificate"
            continue
        move = moving_change(truth)
        assert move is not None and truth["fields"]["name"]
        assert truth["current"]["institution"] != printed_registration(truth)["institution"]
        assert truth["lag_authority"] == (move["authority"] if truth["scenario"] == "booklet_lag" else None)
    with registry.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    held = [r["institution"] for r in rows]
    assert held[:2] == [str(t["current"]["institution"]) for t in truths[:2]]
    assert held[2:4] == [printed_registration(t)["institution"] for t in truths[2:4]]


@pytest.mark.slow
def test_booklet_scenarios_get_no_wrong_verdict(tmp_path: Path) -> None:
    results = run(1, 7, ["scan"], tmp_path, ["booklet"])
    assert set(results) == {f"{name}/scan" for name in BOOKLET_SCENARIOS}
    assert sum(c["wrong"] for c in results.values()) == 0
    assert results["qualification_offered/scan"]["right"] == 1
