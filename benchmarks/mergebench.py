"""Several shots, one reading: field accuracy of one hard photo against three merged (`--merge`).

    python -m benchmarks.mergebench --count 20 --seed 2026       (20 certificates × 3 hard photos)

Each certificate is rendered once and photographed `--shots` times in hard mode, every shot with its
own pose, reflection, blur, light and JPEG (`scanner.synth.shots`): what moves between two photos
taken at a clinic wall. Every shot is read on its own with certscan and the shots of a certificate
are merged with `scanner.merge.merge_records`. Scored as benchmarks/bench.py scores (a value is right
when it equals the truth; a wrong value with review false is a silent error), over the fields the
truth holds:

- one shot: every photo scored as its own reading (the figure a single photo gives);
- merged (unanimous), merged (outvoted): one reading per certificate from its shots, under each
  `scanner.merge.MergeRule` (outvoted is what `--merge` uses).

A field is legible for the merged reading when it survived in at least one shot (the generator's
`legibility`); a field gone from every shot can only be right by luck and must be marked for review.

Measured (count 20, 3 shots; 12 fields per certificate; accuracy / silent errors / review):

    seed   one shot               merged, outvoted (--merge)   merged, unanimous
    2026   90.3% / 0 / 46.4%      99.2% / 0 / 17.9%            99.2% / 0 / 25.0%
    7      90.4% / 0 / 40.1%      96.7% / 0 / 15.8%            96.7% / 0 / 21.2%
    11     89.4% / 1 / 42.8%      99.2% / 0 / 12.5%            99.2% / 0 / 20.8%
    all    90.0% / 1 / 43.1%      98.3% / 0 / 15.4%            98.3% / 0 / 22.3%

Of the 12 merged values still wrong (all seeds), 11 were read right by no shot and 1 was the same
lookalike in two shots (王教浩 for 王毅浩, the third shot right); every one is marked for review. The
one silent error of a single shot (a certificate code read 0870 for 0670, surely) is caught by the
other two shots. Characters are combined below the field level only where no two shots agree
(`scanner.merge.character_vote`, for review): of 95 fields on which the shots disagreed, 71 had a
field-level majority (right in 69; a per-character vote, where it applies, was right in 34 of 36,
wrong in the same two); of the 24 without one, the vote spelled 3, all right.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.fields import CertificateRecord, FieldKey
from scanner.merge import MergeRule, merge_records


@dataclass
class Scored:
    """Field outcomes of a set of readings."""

    readings: int = 0
    fields: int = 0
    right: int = 0
    silent: int = 0
    reviewed: int = 0
    # Right and not marked for review: what a reader gets without looking at the certificate.
    right_sure: int = 0
    legible_fields: int = 0
    legible_right: int = 0
    illegible_fields: int = 0
    illegible_reviewed: int = 0
    wrong_by_field: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    silent_examples: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        share = (lambda n: n / self.fields) if self.fields else (lambda n: 0.0)
        return {
            "readings": self.readings,
            "fields": self.fields,
            "field_accuracy": share(self.right),
            "legible_field_accuracy": self.legible_right / self.legible_fields
            if self.legible_fields
            else 1.0,
            "silent_error_rate": share(self.silent),
            "silent_errors": self.silent,
            "review_rate": share(self.reviewed),
            "right_and_sure": share(self.right_sure),
            "illegible_fields": self.illegible_fields,
            "illegible_review_rate": (
                self.illegible_reviewed / self.illegible_fields if self.illegible_fields else None
            ),
            "wrong_by_field": dict(self.wrong_by_field),
            "silent_examples": self.silent_examples[:20],
        }


def score(
    record: CertificateRecord, truth: dict[str, str | None], legible: dict[str, bool], into: Scored
) -> None:
    """Add one reading's field outcomes: `truth` the generator's values, `legible` whether each
    value survived in the picture(s) the reading was made from."""
    into.readings += 1
    for key, expected in truth.items():
        result = record.fields.get(FieldKey(key))
        value = result.value if result else None
        review = result.review if result else True
        seen = legible.get(key, True)
        into.fields += 1
        into.reviewed += int(review)
        into.legible_fields += int(seen)
        into.illegible_fields += int(not seen)
        into.illegible_reviewed += int(not seen and review)
        if value == expected:
            into.right += 1
            into.right_sure += int(not review)
            into.legible_right += int(seen)
            continue
        into.wrong_by_field[key] += 1
        if not review:
            into.silent += 1
            gone = "" if seen else " (illegible)"
            into.silent_examples.append(f"{record.file}: {key} read {value!r}, truth {expected!r}{gone}")


def _legible(sample: dict[str, Any]) -> dict[str, bool]:
    return {k: bool(v.get("legible", True)) for k, v in sample.get("legibility", {}).items()}


def score_certificate(
    shots: Sequence[tuple[dict[str, Any], CertificateRecord]], one: Scored, merged: dict[MergeRule, Scored]
) -> dict[MergeRule, CertificateRecord]:
    """Score each shot of one certificate alone, and their merged reading under each rule in
    `merged`; returns the merged records."""
    for sample, record in shots:
        score(record, sample["fields"], _legible(sample), one)
    truth = shots[0][0]["fields"]
    in_any = {k: any(_legible(s).get(k, True) for s, _ in shots) for k in truth}
    records = {}
    for rule, into in merged.items():
        records[rule] = merge_records([r for _, r in shots], "+".join(r.file for _, r in shots), rule=rule)
        score(records[rule], truth, in_any, into)
    return records


def run(count: int, seed: int, shots: int, workdir: Path, verbose: bool) -> dict[str, Any]:
    """Generate, read every shot, merge per certificate, and score; returns the figures."""
    from scanner.pipeline import Scanner
    from scanner.synth.shots import generate_shots

    started = time.perf_counter()
    groups = generate_shots(workdir, count, seed, shots, "hard")
    gen_seconds = time.perf_counter() - started
    scanner = Scanner()
    one, merged = Scored(), {rule: Scored() for rule in MergeRule}
    seconds: list[float] = []
    for n, paths in enumerate(groups):
        read: list[tuple[dict[str, Any], CertificateRecord]] = []
        for path in paths:
            sample = json.loads(path.read_text("utf-8"))
            t0 = time.perf_counter()
            read.append((sample, scanner.scan_file(workdir / sample["file"])))
            seconds.append(time.perf_counter() - t0)
        score_certificate(read, one, merged)
        if verbose:
            print(f"[{n + 1}/{len(groups)}] {paths[0].name.split('_', 1)[0]}", file=sys.stderr)
    return {
        "count": count,
        "seed": seed,
        "shots": shots,
        "generate_seconds": round(gen_seconds, 1),
        "seconds_per_image": statistics.median(seconds) if seconds else 0.0,
        "one_shot": one.figures(),
        "merged": {str(rule): scored.figures() for rule, scored in merged.items()},
    }


def render(report: dict[str, Any]) -> str:
    """The figures as a table for people."""
    head = (
        f"{'reading':<20}{'readings':>9}{'fields':>8}{'field acc':>11}{'legible acc':>13}{'silent err':>12}"
        f"{'reviewed':>10}{'right+sure':>12}"
    )
    rows = [
        f"certscan merge benchmark: {report['count']} certificates x {report['shots']} hard photos, "
        f"seed {report['seed']} ({report['seconds_per_image']:.1f} s per photo)",
        head,
    ]
    readings = [("one shot", report["one_shot"])]
    readings += [(f"merged ({rule})", figures) for rule, figures in report["merged"].items()]
    for label, m in readings:
        rows.append(
            f"{label:<20}{m['readings']:>9}{m['fields']:>8}{m['field_accuracy']:>11.2%}"
            f"{m['legible_field_accuracy']:>13.2%}{m['silent_errors']:>5} ({m['silent_error_rate']:.2%})"
            f"{m['review_rate']:>10.1%}{m['right_and_sure']:>12.1%}"
        )
    for label, m in readings:
        if m["illegible_fields"]:
            rows.append(
                f"{label}: {m['illegible_fields']} fields illegible (washed out or outside the picture), "
                f"{m['illegible_review_rate']:.1%} of them marked for review"
            )
        if m["wrong_by_field"]:
            wrong = ", ".join(f"{k} {v}" for k, v in sorted(m["wrong_by_field"].items()))
            rows.append(f"{label}: wrong values by field: {wrong}")
        for example in m["silent_examples"]:
            rows.append(f"{label}: silent error: {example}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.mergebench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--count", type=int, default=20, help="certificates to generate (default 20)")
    parser.add_argument("--shots", type=int, default=3, help="hard photos of each certificate (default 3)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, help="keep the generated images here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="print progress per certificate")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="certscan-mergebench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(args.count, args.seed, args.shots, workdir, args.verbose)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
