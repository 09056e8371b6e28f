"""Verification benchmark: generated certificates in every scenario, verified against a generated registry.

    python -m benchmarks.verifybench --count 10 --seed 2026     (10 per scenario × scan and photo)
    python -m benchmarks.verifybench --scenarios booklet         (only the booklet scenarios)

For each scenario prints how many verdicts were right, how many were needs_review (honest, not wrong)
and how many were wrong, with the wrong ones listed. A wrong verdict is any verdict other than the
expected one and needs_review. The targets: no wrong verdict, and at least 95% right.

Single-page scenarios are `scanner.synth.scenarios`. Booklet scenarios are built here from generated
documents (`scanner.synth.generate_documents`'s pictures: old 卫生部 booklets and today's layout as a
booklet, with their 变更注册记录), the registry row made from the whole booklet's truth:

- booklet_moved: the registry holds the doctor where the newest change record moved them → consistent
- booklet_lag: the registry still holds the printed, pre-change registration → mismatch, and the
  institution difference must be explained as registry lag with the change's 批准机关 named in the
  advice (a mismatch without that explanation counts as wrong)
- qualification_offered: a 医师资格证书 offered for a doctor the registry holds → wrong_document

A booklet scenario takes only pictures that can carry it: a change moving the doctor to another
institution shown, and the doctor's name with the certificate code or ID number shown.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.config import ScanConfig
from scanner.fields import CERTIFICATE_FIELDS
from scanner.normalize.institutions import InstitutionMatcher
from scanner.pipeline import Scanner
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.report.verification import verification_json
from scanner.synth import degrade, write_registry_csv
from scanner.synth.documents import doc_rng, render_document
from scanner.synth.papers import CHANGE_TARGETS, current_of
from scanner.synth.scenarios import SCENARIOS, generate_scenarios
from scanner.verify import Verdict, Verifier

Row = dict[str, str]
# How many pictures a booklet scenario may render per certificate it keeps (most pictures show the
# change record; a few show neither it nor the doctor's name).
MAX_TRIES = 40


def printed_registration(truth: Mapping[str, Any]) -> Row:
    """The registry row of the booklet as printed, before any change. The old booklet's 执业地点 names
    the institution; the registry's practice place (a province) is not known from it: left blank."""
    fields = truth["booklet"]["fields"]
    row = {str(k): fields.get(str(k)) or "" for k in CERTIFICATE_FIELDS}
    if truth["layout"] == "old_booklet":
        row.update(institution=fields["practice_place"], practice_place="")
    return row


def registration_now(truth: Mapping[str, Any]) -> Row:
    """The registry row of the booklet with every change applied (the registry caught up)."""
    # A 资格证书's doctor holds a practising certificate of today's layout.
    fields, layout = truth["booklet"]["fields"], truth["layout"] or "current"
    now = current_of(fields, list(truth["booklet"]["changes"]), layout)
    row = printed_registration(truth)
    row.update({k: v or "" for k, v in now.items() if k != "from_change"})
    if layout == "old_booklet":
        row["practice_place"] = ""
    return row


def moving_change(truth: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The newest change shown that sets the institution, or None."""
    layout = truth.get("layout")
    if layout is None:
        return None
    moves = [
        c for c in truth.get("changes") or () if "institution" in CHANGE_TARGETS[layout].get(c["item"], ())
    ]
    return max(moves, key=lambda c: str(c["date"]), default=None)


def _moved_and_findable(matcher: InstitutionMatcher) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a picture shows a change moving the doctor to another institution, and enough of the
    doctor (name, and certificate code or ID number) to be looked up."""

    def fits(truth: Mapping[str, Any]) -> bool:
        move, shown = moving_change(truth), truth["fields"]
        if (
            move is None
            or not shown.get("name")
            or not (shown.get("certificate_code") or shown.get("id_number"))
        ):
            return False
        before, after = printed_registration(truth)["institution"], str(truth["current"]["institution"])
        return before != after and matcher.same_institution(before, after) is not True

    return fits


@dataclass(frozen=True)
class BookletScenario:
    """A verification case built from a generated document: which kinds, which pictures can carry it,
    and the row the registry holds for the doctor."""

    name: str
    expected: str
    kinds: tuple[str, ...]
    registry: Callable[[Mapping[str, Any]], Row]
    needs_move: bool


BOOKLET_SCENARIOS: dict[str, BookletScenario] = {
    s.name: s
    for s in (
        BookletScenario(
            "booklet_moved", "consistent", ("old_booklet", "current_booklet"), registration_now, True
        ),
        BookletScenario(
            "booklet_lag", "mismatch", ("old_booklet", "current_booklet"), printed_registration, True
        ),
        BookletScenario(
            "qualification_offered", "wrong_document", ("qualification",), registration_now, False
        ),
    )
}
EXPECTED: dict[str, str] = {
    **{name: s.expected for name, s in SCENARIOS.items()},
    **{name: s.expected for name, s in BOOKLET_SCENARIOS.items()},
}


def generate_booklet_scenarios(
    out_dir: Path, count: int, seed: int, modes: Sequence[str], matcher: InstitutionMatcher
) -> tuple[list[Path], Path]:
    """Render `count` documents per booklet scenario in every mode (truth JSON beside each picture, with
    `scenario`, `expected_verdict` and for the lag the 批准机关 the advice must name) and the registry
    rows in one CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fits = _moved_and_findable(matcher)
    written: list[Path] = []
    rows: list[Row] = []
    for s_index, scenario in enumerate(BOOKLET_SCENARIOS.values()):
        kept = 0
        for attempt in range(count * MAX_TRIES):
            if kept == count:
                break
            index = 50_000 + s_index * 10_000 + attempt
            kind = scenario.kinds[attempt % len(scenario.kinds)]
            picture = render_document(kind, doc_rng(seed, index, scenario.name))
            truth = picture.truth
            if scenario.needs_move and not fits(truth):
                continue
            rows.append(scenario.registry(truth))
            move = moving_change(truth)
            for mode in modes:
                shot = degrade.degrade(picture.image, doc_rng(seed, index, f"{scenario.name}:{mode}"), mode)
                stem = f"{scenario.name}_{kept:03d}_{mode}"
                (out_dir / f"{stem}.jpg").write_bytes(shot.encoded)
                record = {
                    "file": f"{stem}.jpg",
                    "mode": mode,
                    **truth,
                    "scenario": scenario.name,
                    "expected_verdict": scenario.expected,
                    "lag_authority": move["authority"] if move and scenario.name == "booklet_lag" else None,
                }
                path = out_dir / f"{stem}.json"
                path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                written.append(path)
            kept += 1
    registry = out_dir / "registry.csv"
    write_registry_csv(rows, registry)
    return written, registry


def lag_unexplained(out: Mapping[str, Any], authority: str | None) -> str | None:
    """Why a mismatch is not explained as registry lag (None when it is): the institution difference
    must be of kind registry_lag and the advice must name the change's 批准机关."""
    kinds = {d["kind"] for d in out.get("differences") or () if d["field"] == "institution"}
    if "registry_lag" not in kinds:
        return f"institution difference not explained as registry lag (kinds {sorted(kinds) or 'none'})"
    if authority and not any(authority in str(a) for a in out.get("advice") or ()):
        return f"advice does not name the 批准机关 {authority}"
    return None


def run(
    count: int, seed: int, modes: Sequence[str], work: Path, which: Sequence[str]
) -> dict[str, Counter[str]]:
    """Generate, import, verify; return per scenario/mode the counts of right, review and wrong."""
    scanner = Scanner(ScanConfig())
    paths: list[Path] = []
    registries: list[Path] = []
    if "single" in which:
        single, csv_path = generate_scenarios(work / "images", count, seed, modes)
        paths += single
        registries.append(csv_path)
    if "booklet" in which:
        booklets, csv_path = generate_booklet_scenarios(
            work / "booklets", count, seed, modes, scanner.matcher
        )
        paths += booklets
        registries.append(csv_path)
    store = SqliteRegistry.create(work / "registry.db")
    for csv_path in registries:
        import_csv(csv_path, store)
    verifier = Verifier(store, scanner.matcher)
    results: dict[str, Counter[str]] = defaultdict(Counter)
    for i, path in enumerate(paths, 1):
        truth = json.loads(path.read_text(encoding="utf-8"))
        record = scanner.scan_file(path.with_suffix(".jpg"))
        got = verifier.verify(record)
        expected = truth["expected_verdict"]
        verdict = str(got.verdict)
        outcome = (
            "right" if verdict == expected else "review" if got.verdict is Verdict.NEEDS_REVIEW else "wrong"
        )
        why = ""
        if outcome == "right" and truth["scenario"] == "booklet_lag":
            unexplained = lag_unexplained(verification_json(got), truth.get("lag_authority"))
            if unexplained:
                outcome, why = "wrong", f"; {unexplained}"
        key = f"{truth['scenario']}/{truth['mode']}"
        results[key][outcome] += 1
        if outcome == "wrong":
            diffs = ", ".join(f"{d.field}:{d.certificate}≠{d.registry}" for d in got.differences)
            print(f"  WRONG {path.stem}: expected {expected}, got {verdict} ({diffs}){why}", file=sys.stderr)
        elif outcome == "review":
            print(f"  review {path.stem}: {', '.join(map(str, got.doubtful))}", file=sys.stderr)
        if i % 20 == 0:
            print(f"  {i}/{len(paths)} verified", file=sys.stderr)
    store.close()
    return results


def table(results: dict[str, Counter[str]]) -> str:
    """Markdown table: per scenario and mode, then the total."""
    lines = ["| scenario/mode | expected | n | right | needs_review | wrong |", "|---|---|---|---|---|---|"]
    total: Counter[str] = Counter()
    for key in sorted(results, key=lambda k: (list(EXPECTED).index(k.split("/")[0]), k)):
        c = results[key]
        n = sum(c.values())
        total.update(c)
        expected = EXPECTED[key.split("/")[0]]
        lines.append(f"| {key} | {expected} | {n} | {c['right']} | {c['review']} | {c['wrong']} |")
    n = sum(total.values())
    share = 100 * total["right"] / n if n else 0.0
    lines.append(
        f"| **all** | | {n} | {total['right']} ({share:.1f}%) | {total['review']} | {total['wrong']} |"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.verifybench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--count", type=int, default=10, help="certificates per scenario (default 10)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--modes", default="scan,photo", help="degradation modes (default scan,photo)")
    parser.add_argument(
        "--scenarios",
        default="single,booklet",
        help="which scenarios: single (one-page certificates), booklet (booklets and 资格证书), or both",
    )
    parser.add_argument("--keep", type=Path, help="keep the generated images and registry in this folder")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    which = [w for w in args.scenarios.split(",") if w]
    if not which or set(which) - {"single", "booklet"}:
        parser.error("--scenarios takes single, booklet or single,booklet")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = run(args.count, args.seed, modes, work, which)
    print(
        f"seed {args.seed}, {args.count} per scenario, modes {','.join(modes)}, scenarios {','.join(which)}"
    )
    print(table(results))
    wrong = sum(c["wrong"] for c in results.values())
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
