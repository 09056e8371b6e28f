"""Verification benchmark: generated certificates in every scenario, verified against a generated registry.

    python -m benchmarks.verifybench --count 10 --seed 2026     (10 per scenario × scan and photo)

For each scenario (see `scanner.synth.scenarios`) prints how many verdicts were right, how many were
needs_review (honest, not wrong) and how many were wrong, with the wrong ones listed. A wrong verdict
is any verdict other than the expected one and needs_review. The targets: no wrong verdict, and at
least 95% right.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from scanner.config import ScanConfig
from scanner.pipeline import Scanner
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.synth.scenarios import SCENARIOS, generate_scenarios
from scanner.verify import Verdict, Verifier


def run(count: int, seed: int, modes: Sequence[str], work: Path) -> dict[str, Counter[str]]:
    """Generate, import, verify; return per scenario/mode the counts of right, review and wrong."""
    paths, registry_csv = generate_scenarios(work / "images", count, seed, modes)
    store = SqliteRegistry.create(work / "registry.db")
    import_csv(registry_csv, store)
    scanner = Scanner(ScanConfig())
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
        key = f"{truth['scenario']}/{truth['mode']}"
        results[key][outcome] += 1
        if outcome == "wrong":
            diffs = ", ".join(f"{d.field}:{d.certificate}≠{d.registry}" for d in got.differences)
            print(f"  WRONG {path.stem}: expected {expected}, got {verdict} ({diffs})", file=sys.stderr)
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
    for key in sorted(results, key=lambda k: (list(SCENARIOS).index(k.split("/")[0]), k)):
        c = results[key]
        n = sum(c.values())
        total.update(c)
        expected = SCENARIOS[key.split("/")[0]].expected
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
    parser.add_argument("--keep", type=Path, help="keep the generated images and registry in this folder")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        results = run(args.count, args.seed, modes, work)
    print(f"seed {args.seed}, {args.count} per scenario, modes {','.join(modes)}")
    print(table(results))
    wrong = sum(c["wrong"] for c in results.values())
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
