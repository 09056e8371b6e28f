"""Verification scenarios: certificates rendered with known truth and a registry built to disagree in
one known way, so every verdict and every kind of difference can be tested end to end.

Each scenario says what the registry holds relative to the printed certificate and the verdict a
correct verification gives when everything is read right (needs_review is also honest when OCR is
unsure; any other verdict is wrong):

- genuine: the registry holds the certificate as printed → consistent
- moved: the registry has the doctor at another institution (a change not yet on paper) → mismatch
- not_in_registry: the registry does not hold the doctor → not_found
- scope: the registry holds a different scope → mismatch
- short_name: the roster writes the institution by a short name (重医附一院) → consistent
- code_of_another: the printed code is registered to another person → mismatch (name, ID number)
- bad_id: the printed ID number fails its check digit (the registry holds the right one) → invalid
- multi_site: the certificate names a further registered site (多机构备案) → consistent
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import degrade, item_rng, sample_json, write_registry_csv
from .identity import DATA_DIR, FIELDS, institutions, make_identity, scopes_by_category
from .render import render_certificate

Truth = dict[str, str]


@dataclass(frozen=True)
class Scenario:
    """How to derive the printed certificate and the registry rows from one true identity."""

    name: str
    expected: str
    build: Callable[[Truth, random.Random], tuple[Truth, list[Truth]]]


@cache
def _aliased() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Gazetteer institutions with the short names or former names people write for them."""
    with (DATA_DIR / "chongqing_institutions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        aliases = tuple(a.strip() for a in row["aliases"].split(";") if a.strip())
        if aliases:
            out.append((row["name"].strip(), aliases))
    return tuple(out)


def _other_institution(rng: random.Random, current: str) -> str:
    # A different hospital, not a branch or campus of the same one.
    while True:
        name = rng.choice(institutions())[0]
        if name != current and not name.startswith(current) and not current.startswith(name):
            return name


def _genuine(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    return truth, [truth]


def _moved(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    return truth, [{**truth, "institution": _other_institution(rng, truth["institution"])}]


def _not_in_registry(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    return truth, []


def _scope(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    printed = set(truth["scope"].split("、"))
    options = [s for s in scopes_by_category()[truth["category"]] if s not in printed]
    return truth, [{**truth, "scope": rng.choice(options)}]


def _short_name(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    official, aliases = rng.choice(_aliased())
    printed = {**truth, "institution": official}
    return printed, [{**printed, "institution": rng.choice(aliases)}]


def _code_of_another(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    other = make_identity(rng)
    return truth, [{**other, "certificate_code": truth["certificate_code"]}]


def _bad_id(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    last = truth["id_number"][-1]
    wrong = rng.choice([c for c in "0123456789X" if c != last])
    return {**truth, "id_number": truth["id_number"][:-1] + wrong}, [truth]


def _multi_site(truth: Truth, rng: random.Random) -> tuple[Truth, list[Truth]]:
    main = _other_institution(rng, truth["institution"])
    # The roster lists the main institution first and the certificate's as a further site.
    return truth, [{**truth, "institution": main, "other_institutions": truth["institution"]}]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("genuine", "consistent", _genuine),
        Scenario("moved", "mismatch", _moved),
        Scenario("not_in_registry", "not_found", _not_in_registry),
        Scenario("scope", "mismatch", _scope),
        Scenario("short_name", "consistent", _short_name),
        Scenario("code_of_another", "mismatch", _code_of_another),
        Scenario("bad_id", "invalid", _bad_id),
        Scenario("multi_site", "consistent", _multi_site),
    )
}


def generate_scenarios(
    out_dir: Path,
    count: int,
    seed: int,
    modes: Sequence[str] = ("scan", "photo"),
    scenarios: Sequence[str] = tuple(SCENARIOS),
    bystanders: int = 50,
) -> tuple[list[Path], Path]:
    """Render `count` certificates per scenario in every mode and one registry CSV for all of them.

    Returns the JSON truth paths (each with `scenario` and `expected_verdict`) and the registry CSV,
    which also holds `bystanders` unrelated doctors so lookups are not trivially unique.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows: list[Truth] = []
    for s_index, name in enumerate(scenarios):
        scenario = SCENARIOS[name]
        for i in range(count):
            index = s_index * 10_000 + i
            rng = item_rng(seed, index, f"scenario-{name}")
            printed, registered = scenario.build(make_identity(rng), rng)
            rows += registered
            rendered = render_certificate(printed, rng)
            for mode in modes:
                shot = degrade.degrade(rendered.image, item_rng(seed, index, mode), mode)
                stem = f"{name}_{i:03d}_{mode}"
                (out_dir / f"{stem}.jpg").write_bytes(shot.encoded)
                record = sample_json(f"{stem}.jpg", mode, seed, index, printed, rendered, shot)
                record.update(scenario=name, expected_verdict=scenario.expected)
                path = out_dir / f"{stem}.json"
                path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                written.append(path)
    rng = item_rng(seed, -1, "bystanders")
    rows += [make_identity(rng) for _ in range(bystanders)]
    registry = out_dir / "registry.csv"
    write_registry_csv(rows, registry, extra=("other_institutions",))
    return written, registry


__all__ = ["FIELDS", "SCENARIOS", "Scenario", "generate_scenarios"]
