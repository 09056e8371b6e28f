"""Which characters of institution names the bundled recognizer itself finds alike.

    python -m benchmarks.confusiongen [--seed 7] [--lines 1500] [--out scanner/data/recognizer_confusions.csv]

OCR misreads a character as one the recognizer weighed next to it: 固 as 国, 申 as 中, 陡 as 陆. Rather
than a list someone wrote down, this asks the recognizer: random strings of the characters that
institution names and district names use are printed in the generator's fonts at sizes seen on
certificates, lightly degraded, and read; at every place the reading lines up with the print, the
characters the model weighed next to the printed one (its top three besides it) are counted. A pair
goes into the table when the model weighed the other character next to the printed one in at least
half of the places it printed it (at least four places), or read it as the other outright. The
matcher counts such a pair as a look-alike (`scanner.lookalike`), never for numerals.

Run it again after changing the recognition model; the table is data of the model it was made with.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from scanner.config import ScanConfig
from scanner.normalize import bundled_gazetteer, districts
from scanner.ocr import create_engine
from scanner.synth.line import LineLook, print_line

DEFAULT_OUT = Path(__file__).parent / "data" / "recognizer_confusions.csv"
# A pair is kept when the other character was among the model's next three choices in this share of
# the places the character was printed, over at least MIN_PLACES places.
MIN_SHARE = 0.5
MIN_PLACES = 4
LINE_CHARS = 5
_NUMERALS = frozenset("〇零一二三四五六七八九十百千两0123456789")


def name_charset() -> list[str]:
    """The Chinese characters of every official name, alias and district name, sorted."""
    texts = [n for inst in bundled_gazetteer() for n in (inst.name, *inst.aliases)]
    texts += [form for d in districts() for form in (d.name, *d.former)]
    return sorted({c for t in texts for c in t if "\u4e00" <= c <= "\u9fff"})


# Sizes and wear seen on certificates, light enough that the model's next choices are about shape.
LOOK = LineLook(
    height=(16.0, 32.0), ink=(0, 70), paper=(200, 250), blur=(0.1, 0.5), noise=(2.0, 6.0), quality=(50, 85)
)


def measure(lines: int, seed: int) -> dict[tuple[str, str], tuple[int, int]]:
    """For each (printed, weighed-next) pair: in how many places it was weighed, of how many places
    the printed character was read in a line that lined up."""
    rng = random.Random(seed)
    charset = name_charset()
    engine = create_engine(ScanConfig(threads=1))
    places: Counter[str] = Counter()
    near: dict[str, Counter[str]] = defaultdict(Counter)
    for _ in range(lines):
        text = "".join(rng.choice(charset) for _ in range(LINE_CHARS))
        read = engine.alternatives(print_line(text, rng, LOOK), top=4)
        if len(read) != len(text):
            continue  # a character lost or added: the places do not line up
        for printed, (got, weighed) in zip(text, read, strict=True):
            places[printed] += 1
            others = {c for c, _ in weighed if c != printed}
            if got != printed:
                others.add(got)
            near[printed].update(others)
    return {(a, b): (n, places[a]) for a, counts in near.items() for b, n in counts.items()}


def confusions(measured: dict[tuple[str, str], tuple[int, int]]) -> list[tuple[str, str, float]]:
    """The pairs the model finds alike often enough, numerals left out, sorted."""
    kept = []
    for (a, b), (n, total) in measured.items():
        if a in _NUMERALS or b in _NUMERALS or not ("\u4e00" <= b <= "\u9fff"):
            continue
        if total >= MIN_PLACES and n / total >= MIN_SHARE:
            kept.append((a, b, round(n / total, 2)))
    return sorted(kept)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.confusiongen", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lines", type=int, default=1500, help="random lines printed and read")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    pairs = confusions(measure(args.lines, args.seed))
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["char", "weighed_next", "share"])
        writer.writerows(pairs)
    print(f"{len(pairs)} pairs written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
