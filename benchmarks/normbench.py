"""Benchmark of institution-name normalization: held-out aliases, OCR damage, names that must not match.

    python -m benchmarks.normbench [--seed 2026] [--holdout 0.25] [--count 50000] [--no-ocr]

The gazetteer's aliases are split, deterministically by seed, into seen and held-out ones; the
matcher is built WITHOUT the held-out aliases, which must then be found by the generic rules. OCR
damage is applied to official names and aliases: a look-alike character from the benchmark's own
list (bench_lookalikes.csv, compiled apart from the matcher's table), a traditional form, a dropped
character, an inserted space or punctuation mark, and real OCR: the name printed in one of the
generator's fonts, degraded and read by the bundled recognizer. Harder sets are reported apart (two
or more real OCR slips, a replaced character no table knows), and so is the former headline, whose
look-alikes came from the matcher's own table. Must-not-match names are institutions
the gazetteer does not hold: hospitals of other provinces, township health centres, clinics, invented
hospitals sharing words with real ones, and near misses (第二 for 第一, another district's 人民医院,
中医院 where the district only has a 人民医院).

Prints top-1 accuracy (the sure match is the right institution) on held-out and damaged names, the
wrong-match rate (a sure match to the wrong institution, over every input, including those that must
not match), and the time to normalize 50,000 names on one core, beside plain rapidfuzz
`process.extractOne` over the official names and seen aliases (WRatio, cutoff 85) on the same inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from scanner.config import ScanConfig
from scanner.normalize import Institution, InstitutionMatcher, bundled_gazetteer, districts
from scanner.ocr import OcrEngine, create_engine
from scanner.synth.line import LineLook, print_line

BASELINE_CUTOFF = 85
_PUNCT = (" ", " ", "·", "。", "，", "、", "-", ".", ",", "_")
# Characters a random misreading may produce (common characters in institution names and beyond).
_RANDOM_POOL = (
    "市区县中大学医院人民第一二三附属科心妇幼保健儿童口腔肿瘤精神康复急救"
    "新桥南北东西山江河湖海天地长安平和华德"
)


@dataclass(frozen=True)
class Case:
    """One input with the institution it means (None: must not match) and the group it tests."""

    text: str
    truth: str | None
    group: str


def split_aliases(
    gazetteer: Sequence[Institution], seed: int, holdout: float
) -> tuple[list[Institution], list[Case]]:
    """The gazetteer without a seeded share of its aliases, and those aliases as cases."""
    pairs = sorted((inst.name, alias) for inst in gazetteer for alias in inst.aliases)
    rng = random.Random(seed)
    rng.shuffle(pairs)
    held = set(pairs[: round(len(pairs) * holdout)])
    seen = [
        Institution(
            i.name, tuple(a for a in i.aliases if (i.name, a) not in held), i.district, i.level, i.source
        )
        for i in gazetteer
    ]
    return seen, [Case(alias, name, "held-out alias") for name, alias in sorted(held)]


@cache
def _matcher_confusions() -> dict[str, str]:
    """The matcher's own confusion groups (ocr_confusions.csv): kept out of unknown substitutions."""
    from scanner.normalize.data import data_rows

    partners: dict[str, str] = {}
    for row in data_rows("ocr_confusions.csv"):
        chars = row["chars"]
        for c in chars:
            partners[c] = "".join(o for o in chars if o != c)
    return partners


@cache
def bench_lookalikes() -> dict[str, str]:
    """The benchmark's own look-alike characters (bench_lookalikes.csv), compiled apart from the
    matcher's confusion table so that confusion damage does not test the matcher on its own data."""
    from scanner.normalize.data import data_rows

    return {row["char"]: row["lookalikes"] for row in data_rows("bench_lookalikes.csv")}


@cache
def _s2t(char: str) -> str:
    import opencc

    return str(_opencc_s2t(opencc).convert(char))


@cache
def _opencc_s2t(module: Any) -> Any:
    return module.OpenCC("s2t")


def damage(text: str, kind: str, rng: random.Random) -> str | None:
    """`text` with one kind of OCR damage, or None when that kind cannot apply."""
    chars = list(text)
    if kind in ("confusion", "known_confusion"):
        partners = bench_lookalikes() if kind == "confusion" else _matcher_confusions()
        spots = [i for i, c in enumerate(chars) if c in partners]
        if not spots:
            return None
        i = rng.choice(spots)
        chars[i] = rng.choice(partners[chars[i]])
    elif kind == "traditional":
        spots = [i for i, c in enumerate(chars) if _s2t(c) != c]
        if not spots:
            return None
        i = rng.choice(spots)
        chars[i] = _s2t(chars[i])
    elif kind == "dropped":
        if len(chars) < 5:
            return None
        del chars[rng.randrange(len(chars))]
    elif kind == "inserted":
        chars.insert(rng.randrange(1, len(chars)), rng.choice(_PUNCT))
    elif kind == "unknown_sub":
        i = rng.randrange(len(chars))
        known = _matcher_confusions().get(chars[i], "") + bench_lookalikes().get(chars[i], "")
        pool = [c for c in _RANDOM_POOL if c != chars[i] and c not in known]
        chars[i] = rng.choice(pool)
    out = "".join(chars)
    return out if out != text else None


DAMAGES = ("confusion", "traditional", "dropped", "inserted")
_GROUP_OF = {"unknown_sub": "unknown substitution", "known_confusion": "known confusion (matcher's table)"}


_PREFIX = re.compile(r"^(?:中国人民解放军|重庆市|重庆)")
_ORDER = re.compile(r"附属第?([一二三四五六七八九十]+)医院")


def plain_form(name: str) -> str:
    """A name with only what every reader agrees on removed: the 重庆(市)/中国人民解放军 prefix,
    brackets and punctuation, and the order of 附属 and 第N. Used to keep a generated name that
    merely respells a known one out of the must-not-match set, independently of the matcher's rules."""
    text = re.sub(r"[（(][^）)]*[）)]", "", unicodedata.normalize("NFKC", name))
    text = re.sub(r"[^\u4e00-\u9fff0-9]", "", text)
    text = _ORDER.sub(r"第\1附属医院", text)
    text = _PREFIX.sub("", text)
    for d in districts():
        for form in (d.name, *d.former):
            if d.short and form in text:
                text = text.replace(form, d.short[0])
    return text


# Damage to an alias the matcher was not given tests two things at once (deriving the alias, then
# reading through the damage): such cases are a harder group of their own, not the headline's.
HELD_OUT_DAMAGED = "held-out alias, damaged"


def damaged_cases(gazetteer: Sequence[Institution], seed: int, held_out: Collection[str] = ()) -> list[Case]:
    """Each official name once with each damage kind, each alias once with a random kind, plus a
    replaced character no table knows (its own group); damaged `held_out` aliases in a group apart."""
    rng = random.Random(seed + 1)
    known = {plain_form(n) for i in gazetteer for n in (i.name, *i.aliases)}
    cases: list[Case] = []
    for inst in gazetteer:
        sources = [(inst.name, kind) for kind in DAMAGES] + [(a, rng.choice(DAMAGES)) for a in inst.aliases]
        sources += [(inst.name, "unknown_sub"), (inst.name, "known_confusion")]
        for text, kind in sources:
            out = damage(text, kind, rng)
            # Damage that happens to spell another known name is no test of this one.
            if out is None or plain_form(out) in known - {plain_form(text)}:
                continue
            group = HELD_OUT_DAMAGED if text in held_out else _GROUP_OF.get(kind, f"damaged: {kind}")
            cases.append(Case(out, inst.name, group))
    return cases


# Real OCR: each name printed on one line in one of the generator's fonts, shrunk to a text height
# seen in phone photos and office scans of certificates, blurred, noised and JPEG-compressed, then
# read by the bundled recognizer. Its slips are nobody's table.
OCR_LOOK = LineLook(height=(11.0, 20.0))


def render_line(text: str, rng: random.Random) -> np.ndarray:
    """`text` as a degraded photo of one printed line (RGB), in a random font that draws it."""
    return print_line(text, rng, OCR_LOOK)


def _letters(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", unicodedata.normalize("NFKC", text))


def ocr_cases(
    gazetteer: Sequence[Institution], seed: int, engine: OcrEngine, held_out: Collection[str] = ()
) -> tuple[list[Case], int]:
    """Every official name and alias printed, degraded and read by real OCR; the readings that differ
    from the printed name, grouped by how many characters differ (readings of `held_out` aliases in
    the group of damaged held-out aliases), and how many were read exactly."""
    rng = random.Random(seed + 4)
    known = {plain_form(n) for i in gazetteer for n in (i.name, *i.aliases)}
    cases: list[Case] = []
    exact = 0
    for inst in gazetteer:
        for text in (inst.name, *inst.aliases):
            line = engine.recognize(render_line(text, rng))
            read = line.text if line else ""
            slips = Levenshtein.distance(_letters(read), _letters(text))
            if slips == 0:
                exact += 1
            elif _letters(read) and plain_form(read) not in known - {plain_form(text)}:
                group = "real OCR: one slip" if slips == 1 else "real OCR: several slips"
                cases.append(Case(read, inst.name, HELD_OUT_DAMAGED if text in held_out else group))
    return cases, exact


# Hospitals of other provinces, several sharing words with Chongqing ones (public names).
OTHER_PROVINCES = (
    "四川大学华西医院",
    "四川省人民医院",
    "成都市第一人民医院",
    "北京协和医院",
    "复旦大学附属中山医院",
    "中山大学附属第一医院",
    "空军军医大学第一附属医院",
    "陆军军医大学士官学校附属医院",
    "西南医科大学附属医院",
    "西南医科大学附属中医医院",
    "川北医学院附属医院",
    "遵义医科大学附属医院",
    "贵州省人民医院",
    "昆明医科大学第一附属医院",
    "广西医科大学第一附属医院",
    "哈尔滨医科大学附属第一医院",
    "宁波市江北区人民医院",
    "南宁市江南区人民医院",
    "武汉大学人民医院",
    "湖北省中医院",
    "南充市中心医院",
    "达州市中心医院",
    "广安市人民医院",
    "泸州市人民医院",
    "宜宾市第一人民医院",
    "自贡市第四人民医院",
    "绵阳市中心医院",
    "内江市第二人民医院",
    "贵阳市第一人民医院",
    "西安交通大学第一附属医院",
    "中国人民解放军西部战区总医院",
    "中国人民解放军总医院",
    "四川省肿瘤医院",
    "成都市妇女儿童中心医院",
    "南部县人民医院",
    "宣汉县人民医院",
    "大竹县人民医院",
    "长宁县中医医院",
    "四川省妇幼保健院",
    "湖南省儿童医院",
    "上海交通大学医学院附属新华医院",
    "首都医科大学附属北京儿童医院",
    "浙江大学医学院附属第一医院",
    "华中科技大学同济医学院附属协和医院",
    "中南大学湘雅医院",
)
_TOWNS = (
    "青杠",
    "大路",
    "丁家",
    "正兴",
    "来凤",
    "河边",
    "七塘",
    "健龙",
    "三合",
    "福禄",
    "石龙",
    "龙凤",
    "双河",
    "白马",
)
_CLINIC_NAMES = ("康宁", "仁和", "德济", "惠民", "百姓", "安康", "同仁", "益寿", "杏林", "济世")
_SURNAMES = ("李", "王", "陈", "刘", "杨", "赵", "周", "吴")
_HEADS = ("西南", "新桥", "大坪", "三峡", "渝西", "红岭", "长航", "建设", "宽仁", "北部")
_NEAR_KINDS = (
    "人民医院",
    "中医院",
    "妇幼保健院",
    "中心医院",
    "中西医结合医院",
    "第二人民医院",
    "儿童医院",
    "口腔医院",
)
_INVENTED_KINDS = (
    "妇产医院",
    "骨科医院",
    "康复医院",
    "口腔医院",
    "中医院",
    "儿童医院",
    "眼科医院",
    "肿瘤医院",
)
_ZH_NUM = "一二三四五六七八九"


def must_not_match(gazetteer: Sequence[Institution], seed: int) -> list[Case]:
    """Names of institutions the gazetteer does not hold, several of them close to ones it does."""
    rng = random.Random(seed + 2)
    every = [n for i in gazetteer for n in (i.name, *i.aliases)]
    known = {plain_form(n) for n in every}
    out: list[Case] = [Case(n, None, "other province") for n in OTHER_PROVINCES]
    dists = [d for d in districts() if d.administrative]
    for _ in range(40):
        d = rng.choice(dists)
        town = rng.choice(_TOWNS)
        name = rng.choice(
            (
                f"重庆市{d.name}{town}镇卫生院",
                f"{d.name}{town}乡卫生院",
                f"重庆市{d.name}{town}街道社区卫生服务中心",
                f"{d.name}{town}镇中心卫生院",
            )
        )
        out.append(Case(name, None, "township health centre"))
        d2 = rng.choice(dists)
        clinic = rng.choice(
            (
                f"重庆{d2.short[0] if d2.short else d2.name}{rng.choice(_CLINIC_NAMES)}诊所",
                f"{d2.name}{rng.choice(_SURNAMES)}氏中医诊所",
                f"重庆{rng.choice(_CLINIC_NAMES)}口腔门诊部",
                f"{d2.name}{rng.choice(_CLINIC_NAMES)}社区卫生服务站",
            )
        )
        out.append(Case(clinic, None, "clinic"))
    # Invented hospitals: a proper name of a real one with a kind it does not have.
    for head in _HEADS:
        kinds_of_head = {n[n.index(head) + len(head) :] for n in every if head in n}
        for kind in rng.sample(_INVENTED_KINDS, 3):
            if kind not in kinds_of_head:
                out.append(Case(f"重庆{head}{kind}", None, "invented hospital"))
    # Near misses: another number, in full names (第N); numbers any name of the same stem uses
    # (重庆市第二人民医院 is a former name of 重庆市人民医院) are left out.
    for name in sorted(set(every)):
        for i, c in enumerate(name):
            if c in _ZH_NUM and i > 0 and name[i - 1] == "第":
                used = {
                    n[i]
                    for n in every
                    if len(n) == len(name) and n[:i] == name[:i] and n[i + 1 :] == name[i + 1 :]
                }
                others = [d for d in _ZH_NUM if d not in used and d != c]
                if others:
                    out.append(Case(name[:i] + rng.choice(others) + name[i + 1 :], None, "near miss: number"))
                break
    # Near misses: a district and a kind the gazetteer does not pair (another district's 人民医院,
    # a 中医院 where the district has only a 人民医院). Conservative: any institution of that
    # district whose names contain the kind word rules the pair out.
    same_kind = {"中医院": ("中医院", "中医医院"), "中医医院": ("中医院", "中医医院")}
    for d in dists:
        in_district = [n for i in gazetteer if d.name in i.district.split(";") for n in (i.name, *i.aliases)]
        in_district += [n for n in every if any(f in n for f in (d.name, *d.short, *d.former))]
        for kind in _NEAR_KINDS:
            if any(k in n for n in in_district for k in same_kind.get(kind, (kind,))):
                continue
            name = f"重庆市{d.name}{kind}"
            out.append(Case(name, None, "near miss: district/kind"))
    seen: set[str] = set()
    unique = []
    for case in out:
        if case.text not in seen and plain_form(case.text) not in known:
            seen.add(case.text)
            unique.append(case)
    return unique


@dataclass
class Tally:
    """Outcomes of one group of cases."""

    total: int = 0
    right: int = 0
    wrong: int = 0
    unsure: int = 0

    def add(self, answer: str | None, truth: str | None) -> None:
        self.total += 1
        if answer is None:
            self.unsure += 1
        elif answer == truth:
            self.right += 1
        else:
            self.wrong += 1


def undecidable(cases: Sequence[Case], gazetteer: Sequence[Institution]) -> set[int]:
    """Positions of the cases no reader could decide from the gazetteer: some other institution's
    name (official or alias) is at least as few edits away as the nearest name of the one meant.

    Damage can land a name exactly between two institutions (重庆市第二人民医院 with 二 lost is as
    near 第一 as 第三); for such an input the right answer is to stay unsure. Decided from the
    gazetteer's names alone, never from the matcher: plain Levenshtein distance between the letters
    of the input and of each name as written (`_letters`: NFKC, punctuation and spaces removed).
    """
    forms = [(_letters(n), inst.name) for inst in gazetteer for n in (inst.name, *inst.aliases)]
    owners = np.array([owner for _, owner in forms])
    positives = [k for k, case in enumerate(cases) if case.truth is not None]
    distances = process.cdist(
        [_letters(cases[k].text) for k in positives],
        [text for text, _ in forms],
        scorer=Levenshtein.distance,
        workers=1,
    )
    found = set()
    for row, k in zip(distances, positives, strict=True):
        meant = owners == cases[k].truth
        if row[~meant].min() <= row[meant].min():
            found.add(k)
    return found


def evaluate(
    cases: Sequence[Case], answer: Callable[[str], str | None], undecided: set[int]
) -> tuple[dict[str, Tally], dict[str, Tally], list[str]]:
    """Tallies per group over every case and over the decidable ones, and examples of wrong
    matches."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    decidable: dict[str, Tally] = defaultdict(Tally)
    wrong: list[str] = []
    for k, case in enumerate(cases):
        got = answer(case.text)
        tallies[case.group].add(got, case.truth)
        if k not in undecided:
            decidable[case.group].add(got, case.truth)
        if got is not None and got != case.truth:
            wrong.append(f"{case.group}: {case.text} → {got} (truth {case.truth})")
    return dict(tallies), dict(decidable), wrong


def _sum(tallies: dict[str, Tally], groups: Sequence[str]) -> Tally:
    out = Tally()
    for g in groups:
        t = tallies.get(g)
        if t:
            out.total += t.total
            out.right += t.right
            out.wrong += t.wrong
            out.unsure += t.unsure
    return out


def baseline(seen: Sequence[Institution]) -> Callable[[str], str | None]:
    """Plain rapidfuzz: extractOne over official names and seen aliases, WRatio, one cutoff."""
    choices: list[str] = []
    owner: list[str] = []
    for inst in seen:
        for name in (inst.name, *inst.aliases):
            choices.append(name)
            owner.append(inst.name)

    def answer(text: str) -> str | None:
        hit = process.extractOne(text, choices, score_cutoff=BASELINE_CUTOFF)
        return owner[hit[2]] if hit else None

    return answer


def bulk_names(cases: Sequence[Case], gazetteer: Sequence[Institution], count: int, seed: int) -> list[str]:
    """`count` names like a bulk HR file: official names and aliases, freshly damaged names, and
    institutions not in the gazetteer; mostly distinct, so the cache does not flatter the timing."""
    rng = random.Random(seed + 3)
    every = [n for i in gazetteer for n in (i.name, *i.aliases)]
    unknown = [c.text for c in cases if c.truth is None]
    out: list[str] = []
    while len(out) < count:
        r = rng.random()
        if r < 0.3:
            out.append(rng.choice(every))
        elif r < 0.85:
            text = rng.choice(every)
            for _ in range(rng.randint(1, 2)):
                text = damage(text, rng.choice((*DAMAGES, "unknown_sub")), rng) or text
            out.append(text)
        else:
            text = rng.choice(unknown)
            out.append(damage(text, rng.choice(DAMAGES), rng) or text)
    return out


def _one_core() -> str:
    """Pin this process to one CPU where the OS allows, so the timing means one core."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def run(seed: int, holdout: float, count: int, ocr: bool = True) -> dict[str, Any]:
    """Every figure of the benchmark, as a dictionary; `ocr` False leaves out the real-OCR groups."""
    pinned = _one_core()
    gazetteer = bundled_gazetteer()
    seen, held = split_aliases(gazetteer, seed, holdout)
    t0 = time.perf_counter()
    matcher = InstitutionMatcher(seen)
    build_s = time.perf_counter() - t0
    held_texts = {case.text for case in held}
    cases = held + damaged_cases(gazetteer, seed, held_texts) + must_not_match(gazetteer, seed)
    read_exactly = 0
    if ocr:
        read, read_exactly = ocr_cases(gazetteer, seed, create_engine(ScanConfig(threads=1)), held_texts)
        cases += read
    undecided = undecidable(cases, gazetteer)
    ours, ours_decidable, ours_wrong = evaluate(cases, lambda t: matcher.match(t).match, undecided)
    plain, plain_decidable, plain_wrong = evaluate(cases, baseline(seen), undecided)
    groups = sorted({c.group for c in cases})
    headline = [
        "held-out alias",
        *(f"damaged: {k}" for k in DAMAGES),
        *(["real OCR: one slip"] if ocr else []),
    ]
    positives = [
        *headline,
        "unknown substitution",
        HELD_OUT_DAMAGED,
        *(["real OCR: several slips"] if ocr else []),
    ]
    # The headline as it was measured before the benchmark had its own look-alikes and real OCR.
    former = ["held-out alias", "known confusion (matcher's table)", *(f"damaged: {k}" for k in DAMAGES[1:])]
    negatives = [g for g in groups if g not in positives and g not in former]

    names = bulk_names(cases, seen, count, seed)
    fresh = InstitutionMatcher(seen)
    t0 = time.perf_counter()
    for name in names:
        fresh.match(name)
    ours_s = time.perf_counter() - t0
    plain_answer = baseline(seen)
    t0 = time.perf_counter()
    for name in names:
        plain_answer(name)
    plain_s = time.perf_counter() - t0

    def figures(tallies: dict[str, Tally], decidable: dict[str, Tally]) -> dict[str, Any]:
        head = _sum(tallies, headline)
        head_decidable = _sum(decidable, headline)
        pos = _sum(tallies, positives)
        neg = _sum(tallies, negatives)
        old = _sum(tallies, former)
        every = _sum(tallies, groups)
        return {
            "top1_accuracy": head.right / head.total,
            "top1_accuracy_decidable": head_decidable.right / head_decidable.total,
            "undecidable": head.total - head_decidable.total,
            "undecidable_unsure": head.unsure - head_decidable.unsure,
            "undecidable_wrong": head.wrong - head_decidable.wrong,
            "top1_accuracy_with_harder_groups": pos.right / pos.total,
            "top1_accuracy_former_definition": old.right / old.total,
            "wrong_match_rate": every.wrong / every.total,
            "wrong_match_rate_must_not_match": neg.wrong / neg.total,
            "groups": {g: vars(tallies[g]) for g in groups},
        }

    return {
        "seed": seed,
        "holdout": holdout,
        "inputs": len(cases),
        "held_out_aliases": len(held),
        "ocr_read_exactly": read_exactly if ocr else None,
        "build_seconds": build_s,
        "ours": figures(ours, ours_decidable),
        "plain": figures(plain, plain_decidable),
        "ours_wrong_examples": ours_wrong,
        "plain_wrong_examples": plain_wrong[:10],
        "throughput": {
            "names": len(names),
            "distinct": len(set(names)),
            "cpu": pinned,
            "ours_seconds": ours_s,
            "ours_names_per_second": len(names) / ours_s,
            "plain_seconds": plain_s,
            "plain_names_per_second": len(names) / plain_s,
        },
    }


def render(report: dict[str, Any]) -> str:
    """The figures as a table for people."""
    ours, plain = report["ours"], report["plain"]
    rows = [
        f"institution normalization benchmark: seed {report['seed']}, {report['held_out_aliases']} aliases "
        f"held out ({report['holdout']:.0%}), {report['inputs']} inputs; matcher built in "
        f"{report['build_seconds']:.2f} s"
        + (
            f"; real OCR read {report['ocr_read_exactly']} printed names exactly, the others are cases"
            if report["ocr_read_exactly"] is not None
            else ""
        ),
        f"{'group':<36}{'n':>6}{'certscan right/wrong/unsure':>30}{'plain rapidfuzz right/wrong/unsure':>37}",
    ]
    for group, t in ours["groups"].items():
        p = plain["groups"][group]
        rows.append(
            f"{group:<36}{t['total']:>6}{t['right']:>14}/{t['wrong']:>3}/{t['unsure']:>4}       "
            f"{p['right']:>20}/{p['wrong']:>3}/{p['unsure']:>4}"
        )
    rows += [
        "",
        f"{'':<52}{'certscan':>10}{'plain':>10}",
        f"{'top-1 accuracy, held-out aliases + OCR-damaged names':<52}"
        f"{ours['top1_accuracy']:>10.2%}{plain['top1_accuracy']:>10.2%}",
        f"{'  the same, inputs no reader could decide left out':<52}"
        f"{ours['top1_accuracy_decidable']:>10.2%}{plain['top1_accuracy_decidable']:>10.2%}",
        f"{'  inputs left out (as near another institution)':<52}{ours['undecidable']:>10}{'':>10}",
        f"{'    of them left unsure / matched wrongly':<52}"
        f"{ours['undecidable_unsure']:>5}/{ours['undecidable_wrong']:<4}"
        f"{plain['undecidable_unsure']:>5}/{plain['undecidable_wrong']:<4}",
        f"{'  the same with the harder groups too':<52}"
        f"{ours['top1_accuracy_with_harder_groups']:>10.2%}"
        f"{plain['top1_accuracy_with_harder_groups']:>10.2%}",
        f"{'  former headline (matcher-table confusions, no OCR)':<52}"
        f"{ours['top1_accuracy_former_definition']:>10.2%}"
        f"{plain['top1_accuracy_former_definition']:>10.2%}",
        f"{'wrong-match rate, every input':<52}"
        f"{ours['wrong_match_rate']:>10.2%}{plain['wrong_match_rate']:>10.2%}",
        f"{'wrong-match rate, names that must not match':<52}"
        f"{ours['wrong_match_rate_must_not_match']:>10.2%}{plain['wrong_match_rate_must_not_match']:>10.2%}",
    ]
    tp = report["throughput"]
    rows += [
        f"throughput, {tp['names']} names ({tp['distinct']} distinct), one core ({tp['cpu']}): "
        f"certscan {tp['ours_seconds']:.2f} s ({tp['ours_names_per_second']:,.0f} names/s), "
        f"plain rapidfuzz {tp['plain_seconds']:.2f} s ({tp['plain_names_per_second']:,.0f} names/s)",
    ]
    rows += [f"certscan wrong match: {w}" for w in report["ours_wrong_examples"]]
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.normbench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--holdout", type=float, default=0.25, help="share of aliases held out (0-1)")
    parser.add_argument("--count", type=int, default=50_000, help="names in the throughput run")
    parser.add_argument(
        "--no-ocr", action="store_true", help="leave out the real-OCR groups (no model run, faster)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if not 0.0 <= args.holdout < 1.0:
        parser.error("--holdout must lie in [0, 1)")
    report = run(args.seed, args.holdout, args.count, ocr=not args.no_ocr)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
