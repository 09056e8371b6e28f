"""Throughput and memory of `certscan batch`, beside plain RapidOCR reading the same files.

    python -m benchmarks.batchbench --count 200                 (200 generated certificates)
    python -m benchmarks.batchbench --count 200 --large 2000    (and memory at 2,000 files)

Prints certificates per second for plain sequential RapidOCR (`RapidOCR()(path)`, default settings,
one process, the same files one by one), for certscan batch with 1 and 2 workers (worker start-up
and model loading included, as a user waits for them), their ratios, the peak resident memory of
each worker and of the driver, and with --large the same memory figures over N files. The large
set reuses the generated certificates re-encoded at other JPEG qualities (new content, so nothing
is skipped as already done): it measures memory over many files, not accuracy over new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scanner.batch import BatchProgress, BatchSettings, run_batch

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss() -> int:
    """Resident memory of this process now, in bytes (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


def make_files(workdir: Path, count: int, seed: int) -> list[Path]:
    """`count` generated certificate images (half office scans, half phone photos)."""
    from scanner.synth import generate

    folder = workdir / "certificates"
    identities = (count + 1) // 2
    if len(list(folder.glob("*.jpg"))) < count:  # a kept --workdir is reused as it is
        generate(folder, count=identities, seed=seed, modes=("scan", "photo"))
    images = sorted(folder.glob("*.jpg"))[:count]
    for extra in sorted(folder.glob("*.jpg"))[count:]:
        extra.unlink()
    return images


def make_large(workdir: Path, images: list[Path], total: int) -> Path:
    """A folder of `total` files: the images and re-encoded copies of them (each one new content)."""
    from PIL import Image

    folder = workdir / "large"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(total):
        source = images[i % len(images)]
        target = folder / f"{i:05d}.jpg"
        if i < len(images):
            shutil.copy(source, target)
        else:
            Image.open(source).save(target, "JPEG", quality=70 + (i // len(images)) % 26)
    return folder


def plain_rapidocr(images: list[Path]) -> float:
    """Seconds for plain RapidOCR (default settings) to read every image, one by one."""
    from rapidocr import RapidOCR

    started = time.perf_counter()
    engine = RapidOCR(params={"Global.log_level": "error"})
    for path in images:
        engine(str(path))
    return time.perf_counter() - started


def children_peak_rss() -> list[int]:
    """Peak resident memory (VmHWM) of this process's child processes, the batch workers (Linux)."""
    me = str(os.getpid())
    peaks = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] != me:  # the parent pid
                continue
            status = (stat.parent / "status").read_text()
            if b"resource_tracker" in (stat.parent / "cmdline").read_bytes():
                continue  # multiprocessing's helper, not a worker
        except (OSError, IndexError):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return sorted(peaks)


def batch_run(inputs: Path, out_dir: Path, workers: int, every: int = 0) -> dict[str, Any]:
    """One certscan batch run over `inputs` into a fresh output; its speed and memory.

    With `every`, prints the workers' and the driver's memory after every that many files, so
    a long run shows whether memory stays flat as it goes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"results-{workers}.jsonl"
    out.unlink(missing_ok=True)
    settings = BatchSettings(thumbs_dir=out_dir / f"thumbs-{workers}")
    driver_start = current_rss()
    driver_peak = [driver_start]

    def watch(progress: BatchProgress) -> None:
        driver_peak[0] = max(driver_peak[0], current_rss())
        if every and progress.done and progress.done % every == 0:
            workers_mib = [round(v / 2**20) for v in children_peak_rss()]
            print(
                f"  after {progress.done} files: worker peak RSS {workers_mib} MiB, "
                f"driver {round(current_rss() / 2**20)} MiB, {progress.rate:.2f} files/s",
                flush=True,
            )

    started = time.perf_counter()
    run = run_batch([str(inputs)], out, settings, workers, progress=watch)
    seconds = time.perf_counter() - started
    return {
        "workers": workers,
        "files": run.files,
        "rows": run.rows_written,
        "failed": run.failed_rows,
        "seconds": round(seconds, 2),
        "per_second": round(run.rows_written / seconds, 3),
        "worker_peak_rss_mib": sorted(round(v / 2**20) for v in run.worker_peak_rss.values()),
        # The driver's memory when the run started (this process also ran plain RapidOCR) and at most.
        "driver_start_rss_mib": round(driver_start / 2**20),
        "driver_peak_rss_mib": round(driver_peak[0] / 2**20),
    }


def speed(images: list[Path], workdir: Path, figures: dict[str, Any]) -> None:
    """Plain RapidOCR, then certscan batch with 1 and 2 workers, on the same images."""
    plain = len(images) / plain_rapidocr(images)
    figures["plain_rapidocr"] = {"per_second": round(plain, 3)}
    print(f"plain RapidOCR, sequential: {plain:.2f} certificates/s", flush=True)
    for workers in (1, 2):
        result = batch_run(images[0].parent, workdir / "out", workers)
        result["vs_plain"] = round(result["per_second"] / plain, 2)
        figures[f"batch_{workers}"] = result
        print(
            f"certscan batch, {workers} worker(s): {result['per_second']:.2f} certificates/s "
            f"({result['vs_plain']:.2f}× plain), worker peak RSS {result['worker_peak_rss_mib']} MiB, "
            f"driver {result['driver_start_rss_mib']} → {result['driver_peak_rss_mib']} MiB",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="generated certificates (default 200)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--large", type=int, default=0, help="also measure memory over this many files")
    parser.add_argument("--only-large", action="store_true", help="skip the speed comparison")
    parser.add_argument("--workdir", type=Path, help="keep the images and outputs here")
    parser.add_argument("--json", type=Path, help="save the figures as JSON")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="certscan-batchbench-"))
    images = make_files(workdir, args.count, args.seed)
    figures: dict[str, Any] = {"count": len(images), "cores": os.cpu_count()}
    print(f"{len(images)} certificates, {os.cpu_count()} cores", flush=True)
    if not args.only_large:
        speed(images, workdir, figures)
    if args.large:
        large = make_large(workdir, images, args.large)
        result = batch_run(large, workdir / "out-large", 2, every=200)
        figures[f"batch_2_{args.large}"] = result
        print(
            f"certscan batch, 2 workers, {args.large} files: {result['per_second']:.2f} certificates/s, "
            f"worker peak RSS {result['worker_peak_rss_mib']} MiB, "
            f"driver {result['driver_start_rss_mib']} → {result['driver_peak_rss_mib']} MiB",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
