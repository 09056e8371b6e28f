"""Faults injected into real `certscan batch` runs (issue 17's "done when"): the run killed with
SIGKILL while it writes, the disk full, a file that vanishes between discovery and reading, a file
the user may not read. Each must cost nothing acknowledged, say what happened in one sentence, and
leave a rerun that finishes the work with every file exactly once."""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from scanner.batch import BatchProgress, BatchSettings, run_batch
from scanner.batch.report import read_rows, summarize

pytestmark = pytest.mark.slow

# The installed console script, as people run it.
CERTSCAN = str(Path(sys.executable).with_name("certscan"))


def reencoded(source: Path, target: Path, quality: int) -> None:
    """The same certificate under different bytes (another JPEG quality)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.open(source).save(target, "JPEG", quality=quality)


def rows_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]  # every line is JSON


def test_a_run_killed_mid_write_loses_nothing_written_and_resumes_with_every_file_once(
    samples, tmp_path: Path
):
    folder = tmp_path / "in"
    for i in range(8):
        reencoded(samples[i % len(samples)].image, folder / f"{i:02d}.jpg", 80 + i)
    out = tmp_path / "results.jsonl"
    command = [CERTSCAN, "batch", str(folder), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not (out.exists() and out.read_bytes().count(b"\n") >= 2):
            assert process.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    acknowledged = out.read_bytes()
    acknowledged = acknowledged[: acknowledged.rfind(b"\n") + 1]  # every whole row written before the kill
    done_before = acknowledged.count(b"\n")
    assert 2 <= done_before < 8
    # A kill in the middle of a write leaves a torn last line; the rerun must cut it off.
    with out.open("ab") as fh:
        fh.write(b'{"file": "' + str(folder / "07.jpg").encode() + b'", "fields": {"na')
    again = [*command, "--csv", str(tmp_path / "results.csv")]
    rerun = subprocess.run(again, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"跳过已完成的{done_before}个" in rerun.stdout and "共8个文件，8份证书" in rerun.stdout
    # Nothing acknowledged is lost or rewritten: the output only grew.
    assert out.read_bytes().startswith(acknowledged)
    rows = rows_of(out)
    assert sorted(Path(r["file"]).name for r in rows) == [f"{i:02d}.jpg" for i in range(8)]
    assert all(r["error"] is None for r in rows)
    assert len(list(read_rows(out))) == 8


def _file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_run_with_one_sentence_and_the_rerun_finishes_the_work(samples, tmp_path: Path):
    folder = tmp_path / "in"
    scans = [s for s in samples if s.mode == "scan"]
    for i, sample in enumerate(scans):
        shutil.copy(sample.image, folder.mkdir(exist_ok=True) or folder / f"{i}.jpg")
    out = tmp_path / "results.jsonl"
    command = [CERTSCAN, "batch", str(folder), "--out", str(out), "--workers", "1"]
    # A row of a certificate is about 4 KB: the first fits, the second meets the limit mid-write.
    # Python ignores SIGXFSZ, so the write fails with EFBIG as it would with ENOSPC.
    full = subprocess.run(
        command, capture_output=True, text=True, timeout=600, preexec_fn=_file_size_limit(6000)
    )
    assert full.returncode == 2
    assert "Traceback" not in full.stderr
    assert full.stderr.splitlines()[-1] == (
        f"certscan: {out}已达到允许的最大文件大小，无法继续写入；请腾出空间后重新运行同一命令继续。"
    )
    kept = rows_of(out)  # whole rows only: the failed write was cut back
    assert len(kept) == 1 and kept[0]["error"] is None
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "本次读取2个文件，跳过已完成的1个" in rerun.stdout
    rows = rows_of(out)
    assert sorted(Path(r["file"]).name for r in rows) == ["0.jpg", "1.jpg", "2.jpg"]
    assert [r["fields"]["certificate_code"]["value"] for r in sorted(rows, key=lambda r: r["file"])] == [
        s.truth["certificate_code"] for s in scans
    ]


def test_a_file_vanishing_between_discovery_and_reading_gets_one_sentence_and_the_run_goes_on(
    samples, tmp_path: Path
):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples[0].image, folder / "a.jpg")
    for name in ("b.jpg", "c.jpg", "d.jpg"):
        (folder / name).write_text("这不是图片", encoding="utf-8")
    out = tmp_path / "results.jsonl"

    def vanish(progress: BatchProgress) -> None:
        # With one worker two files are in flight: when a.jpg is done, c.jpg has been hashed and is
        # about to go to the worker, and d.jpg is still to be hashed. Both go now.
        if progress.done == 1:
            for name in ("c.jpg", "d.jpg"):
                (folder / name).unlink(missing_ok=True)

    run = run_batch([str(folder)], out, BatchSettings(), workers=1, progress=vanish)
    assert (run.files, run.failed_rows) == (4, 3)
    rows = {Path(r["file"]).name: r for r in rows_of(out)}
    assert rows["a.jpg"]["error"] is None
    assert rows["b.jpg"]["error"].startswith("not an image or PDF file")
    for name in ("c.jpg", "d.jpg"):
        assert rows[name]["error"] == "the file was moved or deleted after the run started"
        assert rows[name]["error_zh"] == "文件在运行开始后被移动或删除"
    again = run_batch([str(folder)], out, BatchSettings(), workers=1)
    # a.jpg is done; b.jpg failed and is tried again; the vanished files are no longer inputs.
    assert (again.files, again.read, again.skipped) == (2, 1, 1)
    assert summarize(out).rows == 4


def _without_root_file_access() -> None:
    """Drop the capabilities that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)
    from the bounding set, so the CLI started next runs as root but obeys file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_a_file_without_read_permission_gets_one_sentence_and_is_read_once_allowed(samples, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    locked = folder / "locked.jpg"
    shutil.copy(samples[0].image, locked)
    locked.chmod(0)
    out, csv_path = tmp_path / "results.jsonl", tmp_path / "results.csv"
    command = [CERTSCAN, "batch", str(folder), "--out", str(out), "--csv", str(csv_path), "--workers", "1"]
    denied = subprocess.run(
        command, capture_output=True, text=True, timeout=600, preexec_fn=_without_root_file_access
    )
    assert denied.returncode == 2
    assert "Traceback" not in denied.stderr and "internal error" not in denied.stderr
    (row,) = rows_of(out)
    assert row["error"] == "permission denied: this user may not read the file"
    assert row["error_zh"] == "没有读取此文件的权限"
    assert "没有读取此文件的权限" in csv_path.read_text("utf-8-sig")
    first = out.read_bytes()

    locked.chmod(0o644)  # the problem is fixed: the rerun reads the file, its row supersedes the error
    allowed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert allowed.returncode == 0, allowed.stderr
    assert "本次读取1个文件" in allowed.stdout and "读取失败0份" in allowed.stdout
    assert out.read_bytes().startswith(first) and len(rows_of(out)) == 2
    table = csv_path.read_text("utf-8-sig")
    assert "没有读取此文件的权限" not in table and samples[0].truth["certificate_code"] in table
    assert "没有读取此文件的权限" not in out.with_suffix(".html").read_text("utf-8")
