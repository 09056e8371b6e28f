"""`certscan batch` end to end on generated certificates: a folder of good, multi-page and bad
files, renamed and changed files, the roster, and a two-worker Dask run."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from scanner.batch import BatchSettings, run_batch
from scanner.batch.report import summarize, write_csv, write_html

pytestmark = pytest.mark.slow


def reencoded(source: Path, target: Path, quality: int) -> None:
    """The same certificate under different bytes (another JPEG quality)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.open(source).save(target, "JPEG", quality=quality)


def rows_of(out: Path) -> list[dict]:
    lines = out.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]  # every line is valid JSON


@pytest.fixture(scope="module")
def hr_folder(samples, tmp_path_factory) -> Path:
    """Good photos, a two-page PDF, a two-frame TIFF and four bad files, as HR keeps them."""
    root = tmp_path_factory.mktemp("hr")
    (root / "photos").mkdir()
    shutil.copy(samples[0].image, root / "photos" / "wang.jpg")
    shutil.copy(samples[1].image, root / "photos" / "li.jpg")
    first, second = (Image.open(s.image) for s in samples[2:4])
    first.save(root / "staff.pdf", save_all=True, append_images=[second], resolution=200)
    first, second = (Image.open(s.image) for s in samples[4:6])
    first.save(root / "staff.tif", save_all=True, append_images=[second], compression="tiff_deflate")
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    (bad / "truncated.jpg").write_bytes(samples[0].image.read_bytes()[:3000])
    (bad / "notes.jpg").write_text("这不是图片", encoding="utf-8")
    (bad / "bomb.png").write_bytes(_png_claiming(60_000, 60_000))
    return root


def _png_claiming(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


def test_every_input_gets_its_rows_and_bad_files_an_error_row(samples, hr_folder, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "file,name,institution\n"
        f"wang.jpg,某某某,{samples[0].truth['institution']}\n"
        f"photos/li.jpg,{samples[1].truth['name']},{samples[1].truth['institution']}\n",
        encoding="utf-8-sig",
    )
    out = tmp_path / "results.jsonl"
    thumbs = tmp_path / "thumbs"
    settings = BatchSettings(thumbs_dir=thumbs, roster=roster)
    seen = []
    run = run_batch([str(hr_folder)], out, settings, workers=2, progress=seen.append)
    assert (run.files, run.read, run.skipped) == (8, 8, 0)
    assert seen[-1].done == seen[-1].total == 8
    rows = {(Path(r["file"]).name, r.get("page")): r for r in rows_of(out)}
    assert len(rows) == 10 == len(rows_of(out))
    expected = {
        ("wang.jpg", None): samples[0],
        ("li.jpg", None): samples[1],
        ("staff.pdf", 1): samples[2],
        ("staff.pdf", 2): samples[3],
        ("staff.tif", 1): samples[4],
        ("staff.tif", 2): samples[5],
    }
    for key, sample in expected.items():
        row = rows[key]
        assert row["error"] is None
        assert row["fields"]["certificate_code"]["value"] == sample.truth["certificate_code"]
        assert len(row["sha256"]) == 64 and row["pages"] == (1 if key[1] is None else 2)
    bad = ("empty.jpg", "truncated.jpg", "notes.jpg", "bomb.png")
    errors = {name: rows[(name, None)]["error"] for name in bad}
    assert errors["empty.jpg"] == "the file is empty"
    assert errors["truncated.jpg"] == "the image file is truncated or damaged"
    assert errors["notes.jpg"].startswith("not an image or PDF file")
    assert "decompression bomb" in errors["bomb.png"]
    # The roster: the name HR has for wang.jpg is not the certificate's; li.jpg agrees.
    assert rows[("wang.jpg", None)]["roster"]["disagree"] == ["name"]
    assert rows[("li.jpg", None)]["roster"]["disagree"] == []
    assert "roster" not in rows[("staff.pdf", 1)]

    summary = summarize(out)
    assert (summary.files, summary.rows, summary.failed, summary.roster_disagree) == (8, 10, 4, 1)
    csv_path, html_path = tmp_path / "results.csv", tmp_path / "report.html"
    write_csv(out, csv_path)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    assert len(table) == 10 and {"文件", "页", "姓名", "身份证号", "与花名册不符"} <= set(table[0])
    wang = next(t for t in table if t["文件"].endswith("wang.jpg"))
    assert wang["与花名册不符"] == "姓名"
    assert wang["证书编码"] == "\u200b" + samples[0].truth["certificate_code"]  # text in Excel
    write_html(out, html_path, thumbs, summary)
    page = html_path.read_text("utf-8")
    assert "wang.jpg" in page and "花名册：姓名 某某某" in page and "与证书不符：姓名" in page
    assert page.count("data:image/jpeg;base64,") >= 1  # the flagged certificate's thumbnail
    for name in bad:
        assert name in page
    assert samples[0].truth["id_number"] not in page


def test_a_renamed_file_is_not_read_again_and_a_changed_one_is(samples, tmp_path: Path):
    folder = tmp_path / "in"
    reencoded(samples[0].image, folder / "a.jpg", 92)
    reencoded(samples[1].image, folder / "b.jpg", 92)
    out = tmp_path / "results.jsonl"
    settings = BatchSettings()
    first = run_batch([str(folder)], out, settings, workers=1)
    assert (first.read, first.skipped) == (2, 0)
    (folder / "a.jpg").rename(folder / "a_renamed.jpg")
    again = run_batch([str(folder)], out, settings, workers=1)
    assert (again.read, again.skipped) == (0, 2)
    reencoded(samples[2].image, folder / "b.jpg", 90)  # b.jpg now holds another certificate
    changed = run_batch([str(folder)], out, settings, workers=1)
    assert (changed.read, changed.skipped) == (1, 1)
    rows = rows_of(out)
    assert [Path(r["file"]).name for r in rows] == ["a.jpg", "b.jpg", "b.jpg"]
    assert rows[2]["fields"]["certificate_code"]["value"] == samples[2].truth["certificate_code"]
    assert len({r["sha256"] for r in rows}) == 3


def test_two_copies_of_one_file_in_a_run_each_get_their_row(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("notes.jpg", "notes_copy.jpg"):
        (folder / name).write_text("这不是图片", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    run = run_batch([str(folder)], out, BatchSettings(), workers=1)
    assert (run.read, run.skipped) == (2, 0)
    rows = rows_of(out)
    assert sorted(Path(r["file"]).name for r in rows) == ["notes.jpg", "notes_copy.jpg"]
    assert rows[0]["sha256"] == rows[1]["sha256"] and rows[0]["error"] == rows[1]["error"]
    # Files that failed are tried again by a rerun; each new row supersedes its file's old one.
    again = run_batch([str(folder)], out, BatchSettings(), workers=1)
    assert (again.read, again.skipped) == (2, 0)
    summary = summarize(out)
    assert (summary.files, summary.rows, summary.failed) == (2, 2, 2)


def test_a_file_that_takes_too_long_costs_only_its_own_row(samples, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    photo = next(s for s in samples if s.mode == "photo")
    shutil.copy(photo.image, folder / "a_slow.jpg")  # reading a photo takes seconds, not 0.2 s
    (folder / "b_notes.jpg").write_text("这不是图片", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    run = run_batch([str(folder)], out, BatchSettings(), workers=1, timeout=0.2)
    assert (run.read, run.failed_rows) == (2, 2)
    slow, notes = rows_of(out)
    assert Path(slow["file"]).name == "a_slow.jpg"
    assert slow["error"] == "reading it took longer than 0.2 seconds and was stopped"
    assert slow["error_zh"] == "读取超过0.2秒，已停止" and slow["sha256"]
    # The worker that was stopped is replaced: the next file is read and gets its own reason.
    assert Path(notes["file"]).name == "b_notes.jpg" and "longer than" not in notes["error"]


def test_the_same_pipeline_runs_on_a_local_dask_cluster_with_two_workers(samples, tmp_path: Path):
    from scanner.batch.dask import DaskBackend

    folder = tmp_path / "in"
    shutil.copy(samples[0].image, folder.mkdir() or folder / "a.jpg")
    shutil.copy(samples[3].image, folder / "b.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    out = tmp_path / "results.jsonl"
    settings = BatchSettings()
    backend = DaskBackend.local(2, settings)
    try:
        assert backend.workers == 2
        run = run_batch([str(folder)], out, settings, backend=backend)
    finally:
        backend.close(cancel=False)
    assert (run.read, run.failed_rows) == (3, 1)
    rows = {Path(r["file"]).name: r for r in rows_of(out)}
    assert rows["a.jpg"]["fields"]["certificate_code"]["value"] == samples[0].truth["certificate_code"]
    assert rows["b.jpg"]["fields"]["certificate_code"]["value"] == samples[3].truth["certificate_code"]
    assert rows["empty.jpg"]["error"] == "the file is empty"
    # Two Dask worker processes read the files, each with its own OCR engine.
    assert len(run.worker_peak_rss) == 2
