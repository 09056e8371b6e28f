"""Golden outputs: proof that a refactoring changed nothing a user or a program can see.

    python tools/golden.py record out/golden-before     # before the change
    python tools/golden.py check out/golden-before      # after it: byte for byte, or the differences

`record` renders a fixed set of synthetic certificates (scans, phone photos and hard photos of
`--count` identities, and the verification scenarios against their generated registry), runs the
real `certscan` commands on them and keeps what they print and write: `scan --json` and the
Chinese summary, `verify --json` in both languages and both summaries, `registry import`,
`batch` with its CSV, HTML report and summary, and the `normbench` figures (timings left out: the
only part of any output that may move). `check` records the same again in a scratch folder and
compares every file byte for byte, naming each file that differs and its first differing line.

The images are generated afresh each time from the seed, so the set does not live in the repository;
the same fonts must be installed for both runs (make fonts).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lines of normbench's report that hold timings.
_TIMED = ("throughput", "built in")


def _certscan() -> list[str]:
    return [sys.executable, "-c", "from scanner.cli import main; main()"]


def _run(args: list[str], cwd: Path, out: Path) -> None:
    """Run a command in `cwd` and keep its standard output and exit code in `out`."""
    env = {**os.environ, "COLUMNS": "200", "CERTSCAN_CONFIG_DIR": str(cwd / "config")}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    out.write_text(_scrubbed(f"exit {result.returncode}\n{result.stdout}", cwd), encoding="utf-8")


def _scrubbed(text: str, work: Path) -> str:
    """Output with the scratch folder's name, which differs from run to run, written as <work>."""
    return text.replace(str(work.resolve()), "<work>").replace(str(work), "<work>")


def _keep(source: Path, target: Path, work: Path) -> None:
    target.write_text(_scrubbed(source.read_text("utf-8"), work), encoding="utf-8")


def record(target: Path, count: int, seed: int) -> None:
    """Generate the set and keep every output in `target` (replaced if it exists)."""
    sys.path.insert(0, str(ROOT))
    from scanner.synth import generate
    from scanner.synth.scenarios import generate_scenarios

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="certscan-golden-") as scratch:
        work = Path(scratch)
        (work / "config").mkdir()
        generate(work / "read", count=count, seed=seed, modes=("scan", "photo", "hard"))
        truths, registry_csv = generate_scenarios(
            work / "verify", count=1, seed=seed, modes=("scan", "photo"), bystanders=20
        )
        reads = sorted(str(p.relative_to(work)) for p in (work / "read").glob("*.jpg"))
        checks = sorted(str(t.with_suffix(".jpg").relative_to(work)) for t in truths)
        images = Path(checks[0]).parent
        cli = _certscan()
        _run([*cli, "scan", *reads, "--json"], work, target / "scan.jsonl")
        _run([*cli, "scan", *reads], work, target / "scan.txt")
        _run(
            [*cli, "registry", "import", str(registry_csv.relative_to(work)), "--db", "r.db", "--json"],
            work,
            target / "import.json",
        )
        _run([*cli, "verify", *checks, "--registry", "r.db", "--json"], work, target / "verify.zh.jsonl")
        rows = (target / "verify.zh.jsonl").read_text("utf-8").split("\n", 1)[1]
        (work / "verified.jsonl").write_text(rows, encoding="utf-8")
        for lang in ("zh", "en"):
            record_args = ["verify", "--record", "verified.jsonl", "--registry", "r.db", "--lang", lang]
            _run([*cli, *record_args, "--json"], work, target / f"verify-record.{lang}.jsonl")
            _run([*cli, *record_args], work, target / f"verify-record.{lang}.txt")
        batch = ["batch", str(images), "--out", "batch.jsonl", "--csv", "batch.csv", "--workers", "1"]
        _run([*cli, *batch, "--registry", "r.db", "--html", "batch.html"], work, target / "batch.txt")
        batch_rows = [json.loads(line) for line in (work / "batch.jsonl").read_text("utf-8").splitlines()]
        sorted_rows = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in batch_rows)
        (target / "batch.jsonl").write_text(_scrubbed(sorted_rows, work), "utf-8")
        _keep(work / "batch.csv", target / "batch.csv", work)
        _keep(work / "batch.html", target / "batch.html", work)
        run_bench = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.normbench import main; main()"
        )
        bench = [sys.executable, "-c", run_bench, "--seed", str(seed)]
        _run([*bench, "--count", "2000"], work, target / "normbench.txt")
        lines = (target / "normbench.txt").read_text("utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not any(word in line for word in _TIMED)]
        (target / "normbench.txt").write_text("".join(kept), encoding="utf-8")


def check(golden: Path, count: int, seed: int) -> int:
    """Record again and compare with `golden`; 0 when every file is the same byte for byte."""
    with tempfile.TemporaryDirectory(prefix="certscan-golden-check-") as scratch:
        fresh = Path(scratch) / "now"
        record(fresh, count, seed)
        names = sorted({p.name for p in golden.iterdir()} | {p.name for p in fresh.iterdir()})
        differ = 0
        for name in names:
            before, after = golden / name, fresh / name
            if not before.exists() or not after.exists():
                print(f"{name}: only {'before' if before.exists() else 'after'}")
                differ += 1
                continue
            if before.read_bytes() == after.read_bytes():
                print(f"{name}: identical")
                continue
            differ += 1
            old = before.read_text("utf-8", errors="replace").splitlines()
            new = after.read_text("utf-8", errors="replace").splitlines()
            diff = list(difflib.unified_diff(old, new, "before", "after", n=0, lineterm=""))
            print(f"{name}: DIFFERS")
            for line in diff[2:12]:
                print("   ", line[:300])
        print("golden outputs identical" if not differ else f"{differ} file(s) differ")
        return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("folder", type=Path, help="where the golden outputs are (record: written)")
    parser.add_argument("--count", type=int, default=12, help="identities per mode (scan, photo, hard)")
    parser.add_argument("--seed", type=int, default=1818)
    args = parser.parse_args()
    if args.action == "record":
        record(args.folder, args.count, args.seed)
        print(f"recorded in {args.folder}")
    else:
        sys.exit(check(args.folder, args.count, args.seed))


if __name__ == "__main__":
    main()
