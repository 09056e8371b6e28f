"""Reaching the review page from a phone (issue 20): `certscan review --serve --lan` prints links by
the machine's real network addresses (from its interfaces, never the host name Debian maps to
127.0.0.1), each with a QR code that decodes to it; the page shows the same QR code for a second
phone; a port in use is one sentence and exit 2 before anything is announced. That the link's token
leaves the address bar is checked in a real browser (test_review_browser.py).

The QR codes are decoded with OpenCV's QR detector (segno only draws them): the terminal's block
characters and the SVG's path are turned back into module grids."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import cv2
import numpy as np
import psutil
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scanner.cli import app
from scanner.review import web
from scanner.review.desk import ReviewDesk
from scanner.review.lan import reachable_addresses
from scanner.review.web import WebSettings, create_app

START = "import sys; from scanner.cli import main; sys.argv[0] = 'certscan'; main()"
LINK = re.compile(r"certscan review: (http://\S+)")
# segno's compact terminal output: each character is two modules, top and bottom; "light" is drawn.
HALVES = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}


def interface_addresses() -> list[str]:
    """This machine's IPv4 addresses on interfaces that are up, other than loopback and link-local,
    found here independently of the code under test."""
    up = {name for name, stats in psutil.net_if_stats().items() if stats.isup}
    found = []
    for name, entries in psutil.net_if_addrs().items():
        for entry in entries:
            if name in up and entry.family == socket.AF_INET:
                ip = ipaddress.ip_address(entry.address)
                if not ip.is_loopback and not ip.is_link_local:
                    found.append(entry.address)
    return found


def decode(grid: list[list[int]]) -> str:
    """The text a grid of modules (1 light, 0 dark) holds, read by OpenCV's QR detector.

    OpenCV's classic detector misses about one code in fifty (a random token decides); its ArUco-based
    detector is tried too, on the same drawing."""
    image = np.pad(np.array(grid, dtype=np.uint8) * 255, 4, constant_values=255)
    image = cv2.resize(image, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return str(text)
    return ""


def terminal_grid(block: str) -> list[list[int]]:
    rows: list[list[int]] = []
    for line in block.splitlines():
        rows += [[HALVES[c][0] for c in line], [HALVES[c][1] for c in line]]
    return rows


def svg_grid(svg: str) -> list[list[int]]:
    """The modules of segno's SVG path: `M x y` then runs `h n` (dark) and relative moves `m dx dy`."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    size = width // scale
    grid = [[1] * size for _ in range(size)]
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for op, args in re.findall(r"([Mmh])([-\d. ]+)", path):
        numbers = [float(n) for n in args.split()]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            for column in range(int(x), int(x + numbers[0])):
                grid[int(y)][column] = 0
            x += numbers[0]
    return grid


def qr_blocks(output: str) -> list[str]:
    """The QR codes printed: runs of lines drawn only with block characters."""
    blocks, current = [], []
    for line in output.splitlines():
        if line and set(line) <= set(HALVES) and set(line) & {"█", "▀", "▄"}:
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


@pytest.fixture
def started(tmp_path, monkeypatch):
    """`certscan review --serve ARGS` in process, stopped where it would start serving: what it
    printed, and the settings and socket it would serve with."""
    calls: list[SimpleNamespace] = []

    def serve(desk, settings, host, port, sock=None):
        # The socket is closed once serving ends: its port is taken while it is open.
        bound = sock.getsockname()[1] if sock is not None else None
        calls.append(SimpleNamespace(desk=desk, settings=settings, host=host, port=port, bound=bound))

    monkeypatch.setattr(web, "serve", serve)

    def start(*args: str):
        out = tmp_path / f"reviewed-{len(calls)}.jsonl"
        result = CliRunner().invoke(app, ["review", "--serve", "--port", "0", "--out", str(out), *args])
        assert result.exit_code == 0, result.output
        assert calls, "the server was not started"
        return result, calls[-1]

    yield start
    for call in calls:
        call.desk.close()


def test_the_lan_link_is_an_interface_address_not_loopback(started):
    addresses = interface_addresses()
    if not addresses:
        pytest.skip("this machine has no network interface up besides loopback (and link-local)")
    result, served = started("--lan")
    links = LINK.findall(result.stdout)
    hosts = [urlsplit(link).hostname for link in links]
    assert hosts == list(dict.fromkeys(addresses))
    assert not any(ipaddress.ip_address(h).is_loopback for h in hosts)
    port = served.bound
    assert port == served.port != 0
    token = served.settings.token
    assert links == [f"http://{h}:{port}/?token={token}" for h in hosts]
    assert served.settings.links == tuple(links)


def test_each_link_is_printed_with_a_qr_code_that_decodes_to_it(started):
    if not interface_addresses():
        pytest.skip("this machine has no network interface up besides loopback (and link-local)")
    result, _ = started("--lan")
    links = LINK.findall(result.stdout)
    blocks = qr_blocks(result.stdout)
    assert len(blocks) == len(links) >= 1
    for link, block in zip(links, blocks, strict=True):
        assert {"▀", "▄", "█"} <= set(block)
        assert decode(terminal_grid(block)) == link
    assert result.stdout.startswith("在同一网络的手机上扫描下面的二维码，或打开二维码上方的链接：\n")


def test_without_a_lan_address_one_sentence_and_the_localhost_link(started, monkeypatch):
    monkeypatch.setattr("scanner.review.lan.lan_addresses", lambda ipv6=False: [])
    result, served = started("--lan", "--lang", "en")
    port = served.bound
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "This machine has no address on a local network (is it connected?), so a phone cannot open "
        "the page; open it on this machine:"
    )
    assert lines[1] == f"certscan review: http://127.0.0.1:{port}/?token={served.settings.token}"
    assert qr_blocks(result.stdout) == []
    assert served.settings.links == ()
    result, _ = started("--lan")
    no_lan = "本机没有局域网地址（是否未连接网络？），手机无法打开此页面，只能在本机打开："
    assert result.stdout.splitlines()[0] == no_lan


def test_the_page_shows_the_qr_code_of_the_lan_link(started):
    if not interface_addresses():
        pytest.skip("this machine has no network interface up besides loopback (and link-local)")
    result, served = started("--lan")
    link = LINK.findall(result.stdout)[0]
    client = TestClient(create_app(served.desk, served.settings), base_url=f"http://{urlsplit(link).netloc}")
    assert client.get("/api/qr.svg").status_code == 401
    assert client.get(link).status_code == 200
    assert client.get("/api/config").json()["share"] == link
    svg = client.get("/api/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["cache-control"] == "no-store"
    assert decode(svg_grid(svg.text)) == link
    # The same code as the terminal's.
    assert svg_grid(svg.text) == terminal_grid(qr_blocks(result.stdout)[0])[: len(svg_grid(svg.text))]


def test_the_qr_code_names_the_address_the_page_was_opened_by(tmp_path):
    links = ("http://192.168.1.20:8765/?token=t0k", "http://10.0.0.7:8765/?token=t0k")
    desk = ReviewDesk(tmp_path / "reviewed.jsonl")
    try:
        settings = WebSettings(token="t0k", links=links)
        client = TestClient(create_app(desk, settings), base_url="http://10.0.0.7:8765")
        assert client.get("/api/config", headers={"X-Certscan-Token": "t0k"}).json()["share"] == links[1]
        svg = client.get("/api/qr.svg", headers={"X-Certscan-Token": "t0k"}).text
        assert decode(svg_grid(svg)) == links[1]
        # Opened by another name (localhost): the first LAN link, which a phone can reach.
        local = TestClient(create_app(desk, settings), base_url="http://127.0.0.1:8765")
        assert local.get("/api/config", headers={"X-Certscan-Token": "t0k"}).json()["share"] == links[0]
    finally:
        desk.close()


def test_off_the_lan_there_is_no_qr_code(tmp_path):
    desk = ReviewDesk(tmp_path / "reviewed.jsonl")
    try:
        client = TestClient(create_app(desk, WebSettings()), base_url="http://127.0.0.1")
        assert client.get("/api/config").json()["share"] is None
        assert client.get("/api/qr.svg").status_code == 404
    finally:
        desk.close()


def test_down_loopback_and_link_local_addresses_are_left_out():
    def entry(family: int, address: str) -> SimpleNamespace:
        return SimpleNamespace(family=family, address=address)

    addresses = {
        "lo": [entry(socket.AF_INET, "127.0.0.1"), entry(socket.AF_INET6, "::1")],
        "wlan0": [
            entry(socket.AF_INET, "192.168.1.20"),
            entry(socket.AF_INET6, "fe80::1%wlan0"),
            entry(socket.AF_INET6, "fd00::20"),
        ],
        "eth1": [entry(socket.AF_INET, "169.254.10.3")],
        "eth2": [entry(socket.AF_INET, "10.0.0.9")],
        "docker0": [entry(socket.AF_INET, "172.17.0.1")],
    }
    up = {"lo": True, "wlan0": True, "eth1": True, "eth2": False, "docker0": True}
    assert reachable_addresses(addresses, up) == ["192.168.1.20", "172.17.0.1"]
    assert reachable_addresses(addresses, up, ipv6=True) == ["192.168.1.20", "fd00::20", "172.17.0.1"]


@pytest.mark.parametrize(
    ("args", "held_on", "sentence"),
    [
        ((), "127.0.0.1", "certscan: 端口{port}已被占用（可能另一个 certscan review 正在运行）："),
        (
            ("--lan", "--lang", "en"),
            "0.0.0.0",
            "certscan: port {port} is already in use (another certscan review?): stop that program",
        ),
    ],
)
def test_a_port_in_use_is_one_sentence_and_exit_2_before_anything_is_printed(
    tmp_path, args, held_on, sentence
):
    with socket.socket() as held:
        held.bind((held_on, 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", START, "review", "--serve", "--port", str(port), *args],
            cwd=tmp_path,
            env={**os.environ, "TMPDIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(sentence.format(port=port))
    # Nothing was written before the refusal.
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == []
