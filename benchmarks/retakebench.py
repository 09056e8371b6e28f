"""Retake benchmark: how long a person at the wall waits, from the upload to the page's answer on
whether to take the photo again, against the scan itself.

    python -m benchmarks.retakebench                      (the bundled samples, 3 rounds)
    python -m benchmarks.retakebench --rounds 5 photo.jpg …

Both run in this one process on one scanner (models loaded and warmed up first): the scan is
`Scanner.scan_file`; the answer is a POST of the same file to the review page's /api/uploads (in
process, through the whole application: upload checks, decoding, the scan, the stored picture, the
reviewed file written, the flattened page looked at for glare, the item as JSON with its photo
advice). Rounds alternate the order of the two. Prints, per image, the median of each and their
ratio, then the median ratio over all rounds; the target is at most 1.5×.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from fastapi.testclient import TestClient

from scanner.pipeline import Scanner
from scanner.review.desk import ReviewDesk
from scanner.review.web import WebSettings, create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TARGET = 1.5


def measure(images: Sequence[Path], rounds: int) -> dict[str, tuple[list[float], list[float], str]]:
    """Per image: scan times, upload-to-answer times (seconds) and the answer's first sentence."""
    scanner = Scanner()
    scanner.scan_file(images[0])  # models loaded and warm before anything is timed
    out: dict[str, tuple[list[float], list[float], str]] = {}
    with tempfile.TemporaryDirectory() as work:
        desk = ReviewDesk(Path(work) / "reviewed.jsonl", scanner=lambda: scanner)
        client = TestClient(create_app(desk, WebSettings()), base_url="http://127.0.0.1")
        try:
            for image in images:
                data = image.read_bytes()
                scans: list[float] = []
                answers: list[float] = []
                said = ""
                for i in range(rounds):
                    for first in (True, False) if i % 2 == 0 else (False, True):
                        start = time.perf_counter()
                        if first:
                            scanner.scan_file(image)
                            scans.append(time.perf_counter() - start)
                        else:
                            response = client.post(
                                "/api/uploads", files={"file": (image.name, data, "image/jpeg")}
                            )
                            answers.append(time.perf_counter() - start)
                            response.raise_for_status()
                            photo = response.json().get("photo") or {}
                            said = photo.get("summary", "")
                print(f"  {image.name}: {rounds} rounds done", file=sys.stderr)
                out[image.name] = (scans, answers, said)
        finally:
            client.close()
            desk.close()
    return out


def table(results: dict[str, tuple[list[float], list[float], str]]) -> str:
    """Markdown table: per image the median scan, the median answer, their ratio, what was said."""
    lines = [
        "| image | scan (s) | upload → answer (s) | ratio | answer |",
        "|---|---:|---:|---:|---|",
    ]
    for name, (scans, answers, said) in results.items():
        scan, answer = statistics.median(scans), statistics.median(answers)
        lines.append(f"| {name} | {scan:.2f} | {answer:.2f} | {answer / scan:.2f}× | {said} |")
    return "\n".join(lines)


def overall(results: dict[str, tuple[list[float], list[float], str]]) -> float:
    """The median over all rounds of each upload's time over the median scan time of its image."""
    ratios = [a / statistics.median(scans) for scans, answers, _ in results.values() for a in answers]
    return statistics.median(ratios)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "images", nargs="*", type=Path, help="pictures to time (default: the bundled samples)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per image (default 3)")
    args = parser.parse_args(argv)
    images = args.images or sorted(SAMPLES.glob("*.jpg"))
    results = measure(images, max(args.rounds, 1))
    print(table(results))
    ratio = overall(results)
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"\nmedian upload → answer / scan: {ratio:.2f}× (target ≤ {TARGET}×: {verdict})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
