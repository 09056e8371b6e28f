"""The normalization benchmark tests the matcher on damage it did not write itself."""

from __future__ import annotations

import random

import pytest

from benchmarks.normbench import Case, bench_lookalikes, damage, ocr_cases, undecidable
from scanner.config import ScanConfig
from scanner.normalize import Institution, fold
from scanner.ocr import create_engine


def test_confusion_damage_comes_from_the_benchmarks_own_lookalikes():
    rng = random.Random(3)
    name = "重庆市南岸区中西医结合医院"
    for _ in range(20):
        out = damage(name, "confusion", rng)
        assert out is not None and len(out) == len(name)
        (i,) = [k for k, (a, b) in enumerate(zip(name, out, strict=True)) if a != b]
        assert out[i] in bench_lookalikes()[name[i]]
    # Several of its look-alikes are unknown to the matcher's own confusion table.
    assert any(fold(c) != fold(lookalike) for c, group in bench_lookalikes().items() for lookalike in group)


@pytest.mark.slow
def test_real_ocr_readings_of_printed_names_become_cases():
    gazetteer = [
        Institution("重庆市南岸区中西医结合医院"),
        Institution("重庆医科大学附属第一医院", ("重医附一院",)),
    ]
    engine = create_engine(ScanConfig(threads=1))
    cases, exact = ocr_cases(gazetteer, seed=5, engine=engine)
    assert exact + len(cases) <= 3 and exact >= 1
    for case in cases:
        assert case.truth in {"重庆市南岸区中西医结合医院", "重庆医科大学附属第一医院"}
        assert case.group in {"real OCR: one slip", "real OCR: several slips"}


def test_a_name_damaged_to_lie_between_two_institutions_is_undecidable():
    gazetteer = [
        Institution("重庆市第一人民医院"),
        Institution("重庆市第三人民医院"),
        Institution("重庆医科大学附属第一医院", ("重医附一院",)),
    ]
    cases = [
        Case("重庆市第人民医院", "重庆市第一人民医院", "damaged: dropped"),  # 一 or 三?
        Case("重庆市第一人民医阮", "重庆市第一人民医院", "damaged: confusion"),  # only 第一 is this near
        Case("重医附一阮", "重庆医科大学附属第一医院", "damaged: confusion"),  # near its alias
        Case("重庆市第二人民医院", None, "near miss: number"),  # must not match: not judged here
    ]
    assert undecidable(cases, gazetteer) == {0}
