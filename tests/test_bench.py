"""The benchmark's scoring: legible and illegible fields apart, every miss put down to a cause."""

from __future__ import annotations

from benchmarks.bench import Cause, ModeStats, cause_of_miss, score
from scanner.fields import CERTIFICATE_FIELDS, CertificateRecord, FieldResult, Flag

TRUTH = {
    "name": "王琳",
    "sex": "女",
    "birth_date": "1973-03-10",
    "id_number": "500114197303107440",
    "level": "执业医师",
    "category": "临床",
    "scope": "内科专业",
    "practice_place": "重庆市",
    "institution": "重庆市人民医院",
    "authority": "重庆市卫生健康委员会",
    "issue_date": "2020-10-24",
    "certificate_code": "115001068131298",
}


def _sample(**legibility: dict) -> dict:
    clear = {"legible": True, "outside": 0.0, "washed_out": 0.0, "glare": 0.0, "print_px": 20.0}
    return {
        "fields": TRUTH,
        "legibility": {k: legibility.get(k, clear) for k in TRUTH},
        "flat_boxes": {k: [0, 100 * i, 300, 100 * i + 40] for i, k in enumerate(TRUTH)},
        "style": {"seal": {"center": [320, 1090], "radius": 80}},
        "degrade": {"blur_sigma": 0.4},
    }


def _record(**read: tuple[str | None, tuple[Flag, ...]]) -> CertificateRecord:
    fields = {}
    for key in CERTIFICATE_FIELDS:
        value, flags = read.get(str(key), (TRUTH[str(key)], ()))
        fields[key] = FieldResult(value=value, raw=value, confidence=0.99, flags=flags)
    return CertificateRecord(file="x.jpg", fields=fields)


def test_illegible_fields_are_scored_apart_and_their_review_counted() -> None:
    washed = {"legible": False, "outside": 0.0, "washed_out": 0.6, "glare": 1.0, "print_px": 20.0}
    stats = ModeStats()
    record = _record(
        certificate_code=(None, (Flag.MISSING,)),  # washed out and marked for review: right behaviour
        name=("王理", ()),  # legible, read wrong and trusted: a silent error
    )
    score(record, _sample(certificate_code=washed), stats)
    assert (stats.fields, stats.right) == (12, 10)
    assert (stats.legible_fields, stats.legible_right) == (11, 10)
    assert (stats.illegible_fields, stats.illegible_reviewed) == (1, 1)
    assert stats.silent == 1 and stats.causes == {"misread": 1}


def test_a_miss_is_put_down_to_what_the_photo_did_to_the_value() -> None:
    sample = _sample(
        name={"legible": True, "glare": 0.7, "print_px": 20.0},
        sex={"legible": True, "glare": 0.0, "print_px": 9.0},
    )
    assert cause_of_miss(sample, "name", "王理") is Cause.GLARE
    assert cause_of_miss(sample, "sex", "男") is Cause.SMALL_PRINT
    assert cause_of_miss(sample, "birth_date", None) is Cause.NOT_READ
    # The seal's disc reaches into the issue date's box (y 1000-1040), not into the authority's.
    assert cause_of_miss(sample, "issue_date", "2020-10-21") is Cause.SEAL
    assert cause_of_miss(sample, "authority", "重庆市卫生健康委") is Cause.MISREAD


def test_legible_fields_are_counted_by_the_print_height_they_were_photographed_at() -> None:
    small = {"legible": True, "glare": 0.0, "print_px": 8.5}
    stats = ModeStats()
    score(_record(id_number=("500114197303107441", ())), _sample(id_number=small, name=small), stats)
    assert stats.by_print["<10 px"] == [2, 1]
    assert stats.by_print[">=14 px"] == [10, 10]
