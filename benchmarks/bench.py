"""Accuracy and speed benchmark on freshly generated certificates, beside plain RapidOCR.

    python -m benchmarks.bench --count 60 --seed 2026      (60 identities × scan, photo, hard = 180 images)

Prints, per degradation mode: field accuracy, record accuracy (all 12 fields right), the silent-error
rate (a wrong value with review false, over all fields), the share of fields sent to review, how
often the page was found and turned upright, and the median seconds per image of certscan and of
plain RapidOCR (default settings) on the same images in the same process, with their ratio. Photos
the generator turned by a quarter or half turn are also reported apart from upright ones.
Plain RapidOCR extracts no fields; its column "truth seen" is the share of truth values that appear
verbatim inside one of its text lines, a generous upper bound on what a naive reader could get.

Some fields of a hard photo are gone for any reader: a reflection washed the print out, or the value
lies outside the picture. The generator decides this from its own pixels (`legibility` in each
sample's JSON, never from what OCR read), and the benchmark reports accuracy on legible fields beside
accuracy on all fields, and for illegible fields how often they were marked for review (the right
answer: such a value must never be trusted). Every wrong value on a legible field is put down to one
cause, so the figures say where accuracy is lost.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from scanner.config import ScanConfig
from scanner.fields import CERTIFICATE_FIELDS, CertificateRecord
from scanner.pipeline import Scanner


@dataclass
class ModeStats:
    """Counts for one degradation mode."""

    images: int = 0
    fields: int = 0
    right: int = 0
    records_right: int = 0
    silent: int = 0
    reviewed: int = 0
    seen_by_plain: int = 0
    ours: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    wrong_by_field: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    silent_examples: list[str] = field(default_factory=list)
    upright: int = 0
    page_found: int = 0
    warned: int = 0
    legible_fields: int = 0
    legible_right: int = 0
    illegible_fields: int = 0
    illegible_reviewed: int = 0
    causes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Legible fields and those read right, by the print height band they were photographed at.
    by_print: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


class Cause(StrEnum):
    """Why a legible field came out wrong, judged from the generator's truth about the photo."""

    NOT_READ = "not read"  # no value at all
    GLARE = "glare"  # a reflection over the value, short of washing it out
    SEAL = "seal"  # the red seal overlaps the value
    SMALL_PRINT = "small print"  # print under SMALL_PRINT_PX high in the photo
    BLUR = "blur"  # motion blur, or strong focus blur
    MISREAD = "misread"  # none of the above: recognition read it wrong


# Glare this strong over a value (share of the way to white) is a likely cause of a misread.
GLARE_CAUSE = 0.5
# Print lower than this in the photo's pixels is small for recognition (PP-OCR reads lines at 48 px).
SMALL_PRINT_PX = 16.0
# Print height bands (the generator's `print_px`, ink height in the photo's pixels) reported apart.
PRINT_BANDS = ((10.0, "<10 px"), (14.0, "10-14 px"), (math.inf, ">=14 px"))


def print_band(print_px: float) -> str:
    """The band a value's print height falls in."""
    return next(name for limit, name in PRINT_BANDS if print_px < limit)


# Focus blur of this many pixels (Gaussian sigma) or more blurs small print noticeably.
BLUR_CAUSE_SIGMA = 0.75


def _seal_overlaps(sample: dict[str, Any], key: str) -> bool:
    """Whether the seal's disc (flat-page pixels) reaches into a value's flat box."""
    seal = sample.get("style", {}).get("seal") or {}
    if "center" not in seal:
        return False
    (cx, cy), r = seal["center"], seal["radius"]
    x0, y0, x1, y1 = sample["flat_boxes"][key]
    nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
    return bool(math.hypot(cx - nx, cy - ny) < r)


def cause_of_miss(sample: dict[str, Any], key: str, value: str | None) -> Cause:
    """The likeliest reason a legible field was read wrong, from the generator's own truth."""
    if value is None:
        return Cause.NOT_READ
    seen = sample.get("legibility", {}).get(key, {})
    degrade = sample.get("degrade", {})
    if seen.get("glare", 0.0) >= GLARE_CAUSE:
        return Cause.GLARE
    if key in ("authority", "issue_date") and _seal_overlaps(sample, key):
        return Cause.SEAL
    if seen.get("print_px", SMALL_PRINT_PX) < SMALL_PRINT_PX:
        return Cause.SMALL_PRINT
    if "motion_blur" in degrade or degrade.get("blur_sigma", 0.0) >= BLUR_CAUSE_SIGMA:
        return Cause.BLUR
    return Cause.MISREAD


def score(record: CertificateRecord, sample: dict[str, Any], stats: ModeStats) -> None:
    """Add one record's field outcomes to `stats`; `sample` is the generator's JSON for the image."""
    truth = sample["fields"]
    legibility = sample.get("legibility", {})
    all_right = True
    for key in CERTIFICATE_FIELDS:
        result = record.fields.get(key)
        value = result.value if result else None
        expected = truth[str(key)]
        legible = legibility.get(str(key), {}).get("legible", True)
        stats.fields += 1
        review = result.review if result else True
        stats.reviewed += int(review)
        stats.legible_fields += int(legible)
        stats.illegible_fields += int(not legible)
        stats.illegible_reviewed += int(not legible and review)
        print_px = legibility.get(str(key), {}).get("print_px")
        band = stats.by_print[print_band(print_px)] if legible and print_px is not None else [0, 0]
        band[0] += 1
        if value == expected:
            band[1] += 1
            stats.right += 1
            stats.legible_right += int(legible)
            continue
        all_right = False
        stats.wrong_by_field[str(key)] += 1
        if legible:
            stats.causes[str(cause_of_miss(sample, str(key), value))] += 1
        if not review:
            stats.silent += 1
            gone = "" if legible else " (illegible)"
            stats.silent_examples.append(f"{record.file}: {key} read {value!r}, truth {expected!r}{gone}")
    stats.records_right += int(all_right)


def page_outcome(geometry: dict[str, Any] | None, truth_quad: Sequence[Sequence[float]]) -> tuple[bool, bool]:
    """Whether the page came out upright, and whether it came out flat, judged by where the true page
    corners land on the flattened page: the true top-left corner must land top-left, and every true
    edge must run within 3° of horizontal or vertical."""
    if geometry is None:
        return False, False
    matrix = np.asarray(geometry["matrix"], dtype=np.float64)
    pts = np.hstack([np.asarray(truth_quad, dtype=np.float64), np.ones((4, 1))]) @ matrix.T
    pts = pts[:, :2] / pts[:, 2:3]
    upright = bool(np.argmin(pts.sum(axis=1)) == 0 and pts[1, 0] > pts[0, 0] and pts[3, 1] > pts[0, 1])
    flat = True
    for i in range(4):
        dx, dy = pts[(i + 1) % 4] - pts[i]
        off_axis = math.degrees(math.atan2(min(abs(dx), abs(dy)), max(abs(dx), abs(dy))))
        flat = flat and off_axis <= 3.0
    return upright, upright and flat


def _plain_seen(texts: Sequence[str], truth: dict[str, str]) -> int:
    """How many truth values appear verbatim (spaces ignored) in one of plain RapidOCR's lines."""
    lines = [t.replace(" ", "") for t in texts]
    return sum(any(v and v in t for t in lines) for v in truth.values())


def run(count: int, seed: int, modes: Sequence[str], workdir: Path, verbose: bool) -> dict[str, Any]:
    """Generate, read with certscan and with plain RapidOCR, and score; returns the figures."""
    from rapidocr import RapidOCR

    from scanner.synth import generate

    started = time.perf_counter()
    truth_paths = generate(workdir, count, seed, modes)
    gen_seconds = time.perf_counter() - started
    config = ScanConfig()
    scanner = Scanner(config)
    plain = RapidOCR(params={"Global.log_level": "error"})
    # Warm both up so model loading is not timed.
    first = json.loads(truth_paths[0].read_text("utf-8"))
    warm = workdir / Path(first["file"]).name
    scanner.scan_file(warm)
    plain(str(warm))

    per_mode: dict[str, ModeStats] = defaultdict(ModeStats)
    for n, truth_path in enumerate(truth_paths):
        sample = json.loads(truth_path.read_text("utf-8"))
        image_path = workdir / Path(sample["file"]).name
        stats = per_mode[sample["mode"]]
        # Alternate which reader goes first, so neither always meets a warm cache.
        order = ("ours", "plain") if n % 2 == 0 else ("plain", "ours")
        record: CertificateRecord | None = None
        texts: Sequence[str] = ()
        for which in order:
            t0 = time.perf_counter()
            if which == "ours":
                record = scanner.scan_file(image_path)
                stats.ours.append(time.perf_counter() - t0)
            else:
                # Plain RapidOCR as a user would call it: the file path, default settings.
                result: Any = plain(str(image_path))
                stats.plain.append(time.perf_counter() - t0)
                texts = tuple(result.txts or ())
        assert record is not None
        groups = [stats]
        if sample["mode"] == "hard":
            turned = sample["degrade"].get("quarter_turns", 0) != 0
            groups.append(per_mode["hard turned" if turned else "hard upright"])
            groups[-1].ours.append(stats.ours[-1])
            groups[-1].plain.append(stats.plain[-1])
        upright, found = page_outcome(record.geometry, sample["quad"])
        for group in groups:
            group.images += 1
            score(record, sample, group)
            group.seen_by_plain += _plain_seen(texts, sample["fields"])
            group.upright += int(upright)
            group.page_found += int(found)
            group.warned += int(bool(set(record.warnings) - {"no_text_found"}))
        if verbose:
            print(f"[{n + 1}/{len(truth_paths)}] {image_path.name}", file=sys.stderr)

    report: dict[str, Any] = {
        "count": count,
        "seed": seed,
        "generate_seconds": round(gen_seconds, 1),
        "modes": {},
    }
    for mode, s in per_mode.items():
        ours_median = statistics.median(s.ours)
        plain_median = statistics.median(s.plain)
        report["modes"][mode] = {
            "images": s.images,
            "field_accuracy": s.right / s.fields,
            "legible_field_accuracy": s.legible_right / s.legible_fields if s.legible_fields else 1.0,
            "illegible_fields": s.illegible_fields,
            "illegible_review_rate": (
                s.illegible_reviewed / s.illegible_fields if s.illegible_fields else None
            ),
            "misses_by_cause": dict(s.causes),
            "legible_accuracy_by_print": {
                name: {"fields": s.by_print[name][0], "accuracy": s.by_print[name][1] / s.by_print[name][0]}
                for _, name in PRINT_BANDS
                if s.by_print.get(name, [0])[0]
            },
            "record_accuracy": s.records_right / s.images,
            "silent_error_rate": s.silent / s.fields,
            "review_rate": s.reviewed / s.fields,
            "plain_truth_seen": s.seen_by_plain / s.fields,
            "seconds_per_image": ours_median,
            "plain_seconds_per_image": plain_median,
            "time_ratio": ours_median / plain_median,
            "upright_rate": s.upright / s.images,
            "page_found_rate": s.page_found / s.images,
            "warned_rate": s.warned / s.images,
            "wrong_by_field": dict(s.wrong_by_field),
            "silent_examples": s.silent_examples[:20],
        }
    return report


def render(report: dict[str, Any]) -> str:
    """The figures as a table for people."""
    head = (
        f"{'mode':<14}{'images':>7}{'field acc':>11}{'legible acc':>13}{'record acc':>12}{'silent err':>12}"
        f"{'reviewed':>10}{'upright':>9}{'flat':>7}{'warned':>8}{'s/img':>7}{'plain s/img':>13}"
        f"{'ratio':>7}{'plain truth seen':>18}"
    )
    rows = [f"certscan benchmark: {report['count']} identities, seed {report['seed']}", head]
    for mode, m in report["modes"].items():
        rows.append(
            f"{mode:<14}{m['images']:>7}{m['field_accuracy']:>11.2%}{m['legible_field_accuracy']:>13.2%}"
            f"{m['record_accuracy']:>12.2%}"
            f"{m['silent_error_rate']:>12.3%}{m['review_rate']:>10.1%}{m['upright_rate']:>9.1%}"
            f"{m['page_found_rate']:>7.1%}{m['warned_rate']:>8.1%}{m['seconds_per_image']:>7.2f}"
            f"{m['plain_seconds_per_image']:>13.2f}{m['time_ratio']:>7.2f}{m['plain_truth_seen']:>18.1%}"
        )
    for mode, m in report["modes"].items():
        if m["illegible_fields"]:
            rows.append(
                f"{mode}: {m['illegible_fields']} fields illegible in the photo (washed out or outside it),"
                f" {m['illegible_review_rate']:.1%} of them marked for review"
            )
        bands = m["legible_accuracy_by_print"]
        if mode.startswith("hard") and bands:
            shown = ", ".join(f"{k} {v['accuracy']:.1%} of {v['fields']}" for k, v in bands.items())
            rows.append(f"{mode}: legible fields by print height in the photo: {shown}")
        if m["misses_by_cause"]:
            ranked = sorted(m["misses_by_cause"].items(), key=lambda kv: -kv[1])
            causes = ", ".join(f"{k} {v}" for k, v in ranked)
            rows.append(f"{mode}: wrong legible fields by cause: {causes}")
        if m["wrong_by_field"]:
            wrong = ", ".join(f"{k} {v}" for k, v in sorted(m["wrong_by_field"].items()))
            rows.append(f"{mode}: wrong values by field: {wrong}")
        for example in m["silent_examples"]:
            rows.append(f"{mode}: silent error: {example}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="identities to generate (each in every mode)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modes", default="scan,photo,hard", help="comma-separated degradation modes")
    parser.add_argument("--workdir", type=Path, help="keep the generated images here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="print progress per image")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    with tempfile.TemporaryDirectory(prefix="certscan-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(args.count, args.seed, modes, workdir, args.verbose)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
