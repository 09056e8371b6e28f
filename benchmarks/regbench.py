"""Registry benchmark: import a large generated roster into the SQLite store, then look doctors up.

    python -m benchmarks.regbench --rows 1000000 --lookups 10000

Prints rows/s for `certscan registry import` (CSV parsing, row checks, institution normalization and
the SQLite writes), beside a baseline in the same process that only inserts the same CSV's raw rows
into a bare table; then lookups/s for each kind of registry lookup and for whole verifications
(lookup plus field comparison) of readings that agree with the registry.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from stdnum.cn import ric

from scanner.checks import run_checks
from scanner.fields import CERTIFICATE_FIELDS, CertificateRecord, FieldResult
from scanner.registry import RegistryEntry
from scanner.registry.importer import RosterImporter, import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.synth.identity import FIELDS, district_codes, institutions, make_name, scopes_by_category
from scanner.verify import Verdict, Verifier


def roster_rows(count: int, seed: int) -> list[list[str]]:
    """`count` synthetic registry rows (canonical field order), fast enough for a million.

    Every row is valid (issued before the day the readings are checked); one in five writes its
    institution by a gazetteer alias when it has one, as rosters do, so the import's normalization
    is exercised.
    """
    rng = random.Random(seed)
    regions = sorted(district_codes().values())
    names = [n for n, _ in institutions()]
    categories = ["临床"] * 7 + ["中医"] * 2 + ["口腔", "公共卫生"]
    rows = []
    codes: set[str] = set()
    for _ in range(count):
        sex = rng.choice("男女")
        year, month, day = rng.randint(1955, 1999), rng.randint(1, 12), rng.randint(1, 28)
        seq = rng.randrange(0, 999, 2) + (1 if sex == "男" else 0)
        body = f"{rng.choice(regions)}{year:04d}{month:02d}{day:02d}{seq:03d}"
        category = rng.choice(categories)
        code = f"{rng.randrange(10**14, 10**15)}"
        while code in codes:
            code = f"{rng.randrange(10**14, 10**15)}"
        codes.add(code)
        issued = (
            f"{rng.randint(max(year + 25, 2000), 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )
        rows.append(
            [
                make_name(rng, sex),
                sex,
                f"{year:04d}-{month:02d}-{day:02d}",
                body + ric.calc_check_digit(body + "0"),
                "执业医师" if rng.random() < 0.8 else "执业助理医师",
                category,
                rng.choice(scopes_by_category()[category]),
                "重庆市",
                rng.choice(names),
                "重庆市卫生健康委员会",
                issued,
                code,
            ]
        )
    return rows


def write_roster(rows: list[list[str]], path: Path) -> None:
    """The rows as a CSV with the canonical keys as header."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        writer.writerows(rows)


def baseline_insert(path: Path, db: Path) -> float:
    """Seconds to read the CSV and insert its raw rows into a bare SQLite table: the floor."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE raw ({', '.join(FIELDS)})")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(FIELDS))})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def reading_of(entry: RegistryEntry) -> CertificateRecord:
    """A sure reading of a certificate that agrees with its registry entry."""
    fields = {k: FieldResult(entry.value(k), entry.value(k), 0.99) for k in CERTIFICATE_FIELDS}
    checked, checks = run_checks(fields, dt.date(2026, 11, 27))
    return CertificateRecord("bench.jpg", checked, checks)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.regbench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="roster rows to import (default 1,000,000)"
    )
    parser.add_argument("--lookups", type=int, default=10_000, help="lookups of each kind (default 10,000)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"generating {args.rows:,} roster rows ...", file=sys.stderr)
        rows = roster_rows(args.rows, args.seed)
        roster = work / "roster.csv"
        write_roster(rows, roster)
        base = baseline_insert(roster, work / "baseline.db")
        importer = RosterImporter()
        store = SqliteRegistry.create(work / "registry.db")
        start = time.perf_counter()
        report = import_csv(roster, store, importer)
        took = time.perf_counter() - start
        assert report.added == args.rows and not report.rejected, report.to_json()
        rng = random.Random(args.seed + 1)
        sample = [rows[rng.randrange(len(rows))] for _ in range(args.lookups)]
        index = {k: FIELDS.index(k) for k in ("name", "id_number", "institution", "certificate_code")}
        official = {r[index["institution"]]: importer.institution(r[index["institution"]])[0] for r in sample}
        kinds = {
            "by certificate code": lambda r: store.by_code(r[index["certificate_code"]]),
            "by name + ID number": lambda r: store.by_name_and_id(r[index["name"]], r[index["id_number"]]),
            "by name + institution": lambda r: store.by_name_and_institution(
                r[index["name"]], official[r[index["institution"]]]
            ),
        }
        table = [("baseline: raw CSV rows into a bare table", args.rows, base)]
        table.append(("certscan registry import", args.rows, took))
        lookups: dict[str, Callable[[list[str]], list[RegistryEntry]]] = kinds
        for label, lookup in lookups.items():
            start = time.perf_counter()
            hits = sum(1 for r in sample if lookup(r))
            table.append((f"lookup {label} ({hits:,} found)", len(sample), time.perf_counter() - start))
        readings = [reading_of(store.by_code(r[index["certificate_code"]])[0]) for r in sample]
        verifier = Verifier(store, importer.matcher)
        start = time.perf_counter()
        verdicts = [verifier.verify(r).verdict for r in readings]
        consistent = sum(1 for v in verdicts if v is Verdict.CONSISTENT)
        table.append(
            (f"whole verification ({consistent:,} consistent)", len(readings), time.perf_counter() - start)
        )
        print("| step | count | seconds | per second |\n|---|---|---|---|")
        for label, count, secs in table:
            print(f"| {label} | {count:,} | {secs:.2f} | {count / secs:,.0f} |")
        print(f"\nimport costs {took / base:.1f}× the bare insert of the same rows (same process)")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
