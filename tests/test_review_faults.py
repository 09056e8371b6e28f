"""Fault injection on the real review server (issue 17's "Done when"): `certscan review --serve` runs
in a subprocess on 127.0.0.1 and is killed with SIGKILL while corrections are being written, stopped
with SIGTERM while it reads an upload, asked to read a 5,000-page PDF, started twice on one output,
left by its client in the middle of an upload, and fed four 85-megapixel pictures at once."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pypdfium2 as pdfium
import pytest
import uvicorn
from PIL import Image, ImageDraw
from test_registry import zhang
from test_verify import reading

from scanner.fields import CertificateRecord
from scanner.review.desk import ReviewDesk
from scanner.review.web import create_app

START = "import sys; from scanner.cli import main; sys.argv[0] = 'certscan'; main()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`certscan review --serve ARGS` in a subprocess, with its own temporary folder."""

    def __init__(self, tmp: Path, *args: str, tmpdir: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A port freed by a refused server may be handed out again: the folder is named apart from it.
        self.tmpdir = tmpdir or Path(tempfile.mkdtemp(prefix="server-", dir=tmp))
        env = {**os.environ, "TMPDIR": str(self.tmpdir)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", START, "review", "--serve", "--port", str(self.port), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            try:
                if httpx.get(self.url + "/api/config", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the review server did not start")

    def uploads(self) -> list[Path]:
        return sorted(self.tmpdir.glob("certscan-review-*"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=30)


@pytest.fixture
def servers(tmp_path):
    started: list[Server] = []

    def start(*args: str, tmpdir: Path | None = None) -> Server:
        server = Server(tmp_path, *args, tmpdir=tmpdir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def results_file(path: Path, count: int) -> Path:
    rows = [
        replace(reading(zhang(name=f"医师{n:02d}"), doubtful=("name",)), file=f"{n:02d}.jpg").to_json()
        for n in range(count)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def pdf_of(pages: int, picture: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    if picture is None:
        pdf = pdfium.PdfDocument.new()
        for _ in range(pages):
            pdf.new_page(200, 140)
        pdf.save(out)
        pdf.close()
    else:
        picture.save(out, "PDF", save_all=True, append_images=[picture] * (pages - 1), resolution=100)
    return out.getvalue()


# -- kill -9 while corrections are written --------------------------------------------------------


def test_every_acknowledged_correction_survives_kill_9_and_a_restart(tmp_path, servers):
    results = results_file(tmp_path / "results.jsonl", 40)
    out = tmp_path / "reviewed.jsonl"
    server = servers(str(results), "--out", str(out), "--reviewer", "陈审核")
    server.wait_ready()
    items = httpx.get(server.url + "/api/items").json()["items"]
    acknowledged: dict[str, str] = {}
    stop = threading.Event()

    def correct() -> None:
        with httpx.Client(base_url=server.url, timeout=5) as c:
            for n, item in enumerate(items):
                if stop.is_set():
                    return
                value = f"更正{n:02d}"
                try:
                    response = c.post(f"/api/items/{item['id']}/fields/name", json={"value": value})
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged[item["file"]] = value

    writer = threading.Thread(target=correct)
    writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 12 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.proc.send_signal(signal.SIGKILL)  # in the middle of the writes
    stop.set()
    writer.join(10)
    server.proc.communicate(timeout=10)
    assert len(acknowledged) >= 12

    # The output on disk is whole and holds every acknowledged correction.
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == 40
    saved = {r["file"]: r["fields"]["name"]["value"] for r in rows}
    assert {f: saved[f] for f in acknowledged} == acknowledged

    # A new server on the same output and results starts from them: nothing is reviewed twice.
    again = servers(str(results), "--out", str(out))
    again.wait_ready()
    listed = httpx.get(again.url + "/api/items").json()["items"]
    assert len(listed) == 40
    shown = {it["file"]: it["name"] for it in listed}
    assert {f: shown[f] for f in acknowledged} == acknowledged
    audit = [
        json.loads(line) for line in out.with_name("reviewed.audit.jsonl").read_text("utf-8").splitlines()
    ]
    assert {e["file"] for e in audit} >= set(acknowledged) and {e["reviewer"] for e in audit} == {"陈审核"}


def test_the_reviewer_named_at_start_is_in_every_audit_entry_whatever_a_request_says(tmp_path, servers):
    results = results_file(tmp_path / "results.jsonl", 1)
    out = tmp_path / "reviewed.jsonl"
    server = servers(str(results), "--out", str(out), "--reviewer", "陈审核")
    server.wait_ready()
    [item] = httpx.get(server.url + "/api/items").json()["items"]
    body = {"value": "张三", "reviewer": "冒名"}
    assert httpx.post(f"{server.url}/api/items/{item['id']}/fields/name", json=body).status_code == 200
    [entry] = [
        json.loads(line) for line in out.with_name("reviewed.audit.jsonl").read_text("utf-8").splitlines()
    ]
    assert entry["reviewer"] == "陈审核"


def test_a_second_server_on_the_same_output_is_refused(tmp_path, servers):
    out = tmp_path / "reviewed.jsonl"
    first = servers("--out", str(out))
    first.wait_ready()
    second = servers("--out", str(out))
    try:
        _, stderr = second.proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("a second server on the same output was started") from None
    assert second.proc.returncode == 2
    assert stderr.strip().splitlines() == [
        "certscan: 另一个certscan复核正在写入reviewed.jsonl，请先停止它，或用 --out 指定另一个文件"
    ]
    first.proc.send_signal(signal.SIGKILL)  # the kernel releases the lock with the process
    first.proc.communicate(timeout=10)
    third = servers("--out", str(out))
    third.wait_ready()


# -- SIGTERM while an upload is read ---------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_stops_the_server_promptly_removes_uploads_and_keeps_the_output(tmp_path, servers):
    out = tmp_path / "reviewed.jsonl"
    server = servers("--out", str(out))
    server.wait_ready()
    page = Image.new("RGB", (1000, 700), "white")
    ImageDraw.Draw(page).rectangle((100, 100, 900, 600), outline="black", width=8)
    pdf = pdf_of(40, page)

    def send() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                server.url + "/api/uploads",
                files={"file": ("档案.pdf", pdf, "application/pdf")},
                timeout=600,
            )

    threading.Thread(target=send, daemon=True).start()
    deadline = time.monotonic() + 120
    while not (out.exists() and out.read_text("utf-8").strip()):
        assert time.monotonic() < deadline, "no page was read"
        time.sleep(0.1)
    assert server.uploads() and any(server.uploads()[0].iterdir())
    asked = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.communicate(timeout=30)
    took = time.monotonic() - asked
    assert took < 10, f"the server took {took:.1f} s to stop"
    assert server.uploads() == []
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert 1 <= len(rows) < 40 and all(r["file"] == "档案.pdf" for r in rows)


def upload_a_page(server: Server) -> None:
    page = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(page, "JPEG")
    response = httpx.post(
        server.url + "/api/uploads", files={"file": ("证书.jpg", page.getvalue(), "image/jpeg")}, timeout=120
    )
    assert response.status_code == 200, response.text


@pytest.mark.slow
def test_the_pictures_a_killed_server_left_are_removed_when_the_next_review_starts(tmp_path, servers):
    shared = tmp_path / "tmp"
    shared.mkdir()
    killed = servers("--out", str(tmp_path / "a.jsonl"), tmpdir=shared)
    killed.wait_ready()
    upload_a_page(killed)
    [left] = killed.uploads()
    assert [p.suffix for p in left.iterdir()] == [".jpg"]
    killed.proc.send_signal(signal.SIGKILL)  # no chance to clean up
    killed.proc.communicate(timeout=10)
    assert left.exists()
    # The folder of a server still running (this test's process stands for it) is kept.
    running = shared / f"certscan-review-{os.getpid()}-abc"
    running.mkdir()

    again = servers("--out", str(tmp_path / "b.jsonl"), tmpdir=shared)
    again.wait_ready()
    assert not left.exists()
    assert running.exists()
    upload_a_page(again)
    assert len(again.uploads()) == 2 and running in again.uploads()
    again.proc.send_signal(signal.SIGTERM)
    again.proc.communicate(timeout=30)
    assert again.uploads() == [running]


# -- a PDF of thousands of pages ----------------------------------------------------------------------


def test_a_5000_page_pdf_is_refused_within_two_seconds(tmp_path, servers):
    server = servers("--out", str(tmp_path / "reviewed.jsonl"))
    server.wait_ready()
    pdf = pdf_of(5000)
    asked = time.monotonic()
    try:
        response = httpx.post(
            server.url + "/api/uploads",
            files={"file": ("档案.pdf", pdf, "application/pdf")},
            timeout=10,
        )
    except httpx.TimeoutException:
        raise AssertionError("the 5,000-page PDF was not refused") from None
    took = time.monotonic() - asked
    assert response.status_code == 400
    assert response.json() == {"error": "文件有5,000页，超过每次上传允许的50页，请拆分成较小的文件"}
    assert took <= 2, f"refused after {took:.2f} s"
    print(f"\n5,000-page PDF of {len(pdf) / 1e6:.2f} MB refused in {took:.2f} s")


# -- a client that leaves in the middle of an upload -------------------------------------------------


class SlowScanner:
    """Takes a quarter second per page, as OCR would take seconds: counts the pages it read."""

    def __init__(self) -> None:
        self.pages = 0

    def scan_array(self, image, file: str, page: int | None = None) -> CertificateRecord:
        time.sleep(0.25)
        self.pages += 1
        return replace(reading(zhang()), file=file, page=page)


def test_the_pages_of_an_upload_whose_client_left_are_not_read(tmp_path):
    slow = SlowScanner()
    desk = ReviewDesk(tmp_path / "reviewed.jsonl", scanner=lambda: slow)  # type: ignore[arg-type,return-value]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(desk), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + pdf_of(40) + b"\r\n--b--\r\n"
        )
        head = (
            f"POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(head + body)
            deadline = time.monotonic() + 20
            while slow.pages < 2:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        # The client is gone: the page being read is finished, and no other.
        time.sleep(2)
        assert slow.pages <= 4, f"{slow.pages} of 40 pages read for a client that left"
    finally:
        server.should_exit = True
        thread.join(10)
        desk.close()


# -- memory: four 85-megapixel pictures at once --------------------------------------------------------


def huge_png(path: Path) -> Path:
    """An 85-megapixel PNG of a few hundred kilobytes: white paper with a little print on it."""
    image = Image.new("RGB", (10_000, 8_500), "white")
    draw = ImageDraw.Draw(image)
    for y in range(500, 8_000, 400):
        draw.rectangle((800, y, 9_200, y + 60), fill=(30, 30, 30))
    image.save(path, "PNG")
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.slow
def test_four_85_megapixel_uploads_at_once_stay_under_1_5_gb(tmp_path, servers):
    picture = huge_png(tmp_path / "huge.png").read_bytes()
    server = servers("--out", str(tmp_path / "reviewed.jsonl"))
    server.wait_ready()
    statuses: list[int] = []

    def send(n: int) -> None:
        response = httpx.post(
            server.url + "/api/uploads",
            files={"file": (f"huge{n}.png", picture, "image/png")},
            timeout=600,
        )
        statuses.append(response.status_code)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    peak = peak_rss_mb(server.proc.pid)
    print(
        f"\npeak RSS of the review server, 4 x {len(picture) / 1024:.0f} KB 85 MP PNG at once: {peak:.0f} MB"
    )
    assert statuses == [200] * 4
    assert peak <= 1536, f"peak RSS {peak:.0f} MB"
