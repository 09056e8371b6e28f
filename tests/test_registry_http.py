"""The HTTP registry client against a real registry service started on localhost by the tests.

The service answers from a real SQLite registry; it can be told to answer slowly, fail, or send
something that is not JSON, so retries, timeouts and error sentences are tested for real.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from test_registry import ZHANG_ID, write_csv, zhang
from typer.testing import CliRunner

from scanner.cli import app
from scanner.registry import HttpSettings, RegistryError, open_registry
from scanner.registry.http import HttpRegistry
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry


class RegistryService(ThreadingHTTPServer):
    """A registry service over a SQLite file; `script` lists how to answer the next requests, and
    `seen` keeps each request's method, path (with any query) and Authorization header."""

    daemon_threads = True

    def __init__(self, db: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.db = db
        self.script: list[str] = []
        self.requests = 0
        self.seen: list[tuple[str, str, str | None]] = []
        self.drip_every = 0.3  # seconds between the bytes of a "drip" answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class Handler(BaseHTTPRequestHandler):
    """Lookups as `POST /api/doctors` with the keys in a JSON body (the protocol), and the old
    `GET /api/doctors?...` so a client still asking that way is seen doing so in `seen`."""

    server: RegistryService

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self._answer(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(self.path, json.loads(body or b"{}"))

    def _answer(self, path: str, q: dict[str, str]) -> None:
        self.server.requests += 1
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        how = self.server.script.pop(0) if self.server.script else "ok"
        if how == "slow":
            time.sleep(0.6)
        if how.isdigit():
            return self._send(int(how), b'{"error": "busy"}')
        if how == "garbage":
            return self._send(200, b"<html>maintenance</html>")
        if how == "deep":
            return self._send(200, b"[" * 100_000)
        if how == "drip":
            return self._drip()
        if how == "huge":
            return self._huge()
        if path != "/api/doctors":
            return self._send(404, b"{}")
        store = SqliteRegistry.open_existing(self.server.db)
        if "certificate_code" in q:
            found = store.by_code(q["certificate_code"])
        elif "id_number" in q:
            found = store.by_name_and_id(q["name"], q["id_number"])
        else:
            found = store.by_name_and_institution(q["name"], q["institution"])
        store.close()
        doctors = [e.to_json() for e in found]
        if how == "wrong_type":
            doctors = [{**d, "other_institutions": 5} for d in doctors]
        self._send(200, json.dumps({"doctors": doctors}).encode())

    def _drip(self) -> None:
        """Headers at once, then one byte of the body every `drip_every` seconds for up to 20 s."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100")
        self.end_headers()
        try:
            for _ in range(round(20 / self.server.drip_every)):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(self.server.drip_every)
        except OSError:
            pass  # the client gave up: what it should do

    def _huge(self) -> None:
        """A body of 400 MB without a declared length, as fast as the client takes it."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        piece = b"[" * (1 << 20)
        try:
            for _ in range(400):
                self.wfile.write(piece)
        except OSError:
            pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    db = tmp_path / "registry.db"
    store = SqliteRegistry.create(db)
    import_csv(write_csv(tmp_path / "r.csv", [{**zhang(), "other_institutions": "重庆市人民医院"}]), store)
    store.close()
    server = RegistryService(db)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


FAST = HttpSettings(timeout=0.5, retries=2, backoff=0.01)
runner = CliRunner()


def test_http_lookups_answer_like_the_local_store(service, tmp_path):
    remote = open_registry(service.url, FAST)
    local = SqliteRegistry.open_existing(service.db)
    assert isinstance(remote, HttpRegistry)
    assert remote.by_code("110500012345678") == local.by_code("110500012345678")
    [entry] = remote.by_name_and_id("张三", ZHANG_ID)
    assert entry.id_number == ZHANG_ID and entry.other_institutions == ("重庆市人民医院",)
    assert [e.name for e in remote.by_name_and_institution("张三", "重庆市人民医院")] == ["张三"]
    assert remote.by_code("000000000000000") == []
    remote.close()
    local.close()


def test_failing_answers_are_retried_with_backoff(service):
    service.script = ["503", "500"]
    remote = HttpRegistry(service.url, FAST)
    assert [e.name for e in remote.by_code("110500012345678")] == ["张三"]
    assert service.requests == 3


def test_a_slow_service_is_retried_then_reported(service):
    service.script = ["slow", "slow", "slow"]
    remote = HttpRegistry(service.url, HttpSettings(timeout=0.2, retries=2, backoff=0.01))
    with pytest.raises(RegistryError, match=r"unreachable: no complete answer within 0\.2 s after 3 attempt"):
        remote.by_code("110500012345678")


def test_a_slow_answer_within_the_timeout_is_used(service):
    service.script = ["slow"]
    remote = HttpRegistry(service.url, HttpSettings(timeout=3.0, retries=0))
    assert len(remote.by_code("110500012345678")) == 1


def test_an_unreachable_service_is_one_sentence():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    remote = HttpRegistry(f"http://127.0.0.1:{port}", FAST)
    with pytest.raises(
        RegistryError, match=rf"registry http://127.0.0.1:{port} is unreachable: cannot connect"
    ):
        remote.by_code("110500012345678")


def test_answers_that_are_not_registry_json_are_reported(service):
    service.script = ["garbage", "deep"]
    with pytest.raises(RegistryError, match="not JSON"):
        HttpRegistry(service.url, FAST).by_code("110500012345678")
    with pytest.raises(RegistryError, match="not JSON"):
        HttpRegistry(service.url, FAST).by_code("110500012345678")
    with pytest.raises(RegistryError, match=r"refused the lookup \(HTTP 404\)"):
        HttpRegistry(service.url.replace("/api", "/elsewhere"), FAST).by_code("110500012345678")


# -- issue 17: nothing lost, nothing leaked -------------------------------------------------------


def test_lookups_send_their_keys_in_a_post_body_never_in_the_address(service):
    remote = HttpRegistry(service.url, FAST)
    assert [e.name for e in remote.by_name_and_id("张三", ZHANG_ID)] == ["张三"]
    assert [e.name for e in remote.by_code("110500012345678")] == ["张三"]
    assert [e.name for e in remote.by_name_and_institution("张三", "重庆市人民医院")] == ["张三"]
    assert [(method, path) for method, path, _ in service.seen] == [("POST", "/api/doctors")] * 3


def test_a_server_dripping_bytes_cannot_hold_a_lookup_past_its_timeout(service):
    service.script = ["drip"]
    remote = HttpRegistry(service.url, HttpSettings(timeout=1.0, retries=0))
    start = time.monotonic()
    with pytest.raises(RegistryError, match=r"no complete answer within 1 s after 1 attempt"):
        remote.by_code("110500012345678")
    assert 1.0 <= time.monotonic() - start < 1.3


def test_the_deadline_covers_every_retry(service):
    service.script = ["drip", "drip", "drip"]
    remote = HttpRegistry(service.url, HttpSettings(timeout=1.0, retries=2, backoff=0.05, deadline=1.5))
    start = time.monotonic()
    with pytest.raises(
        RegistryError, match=r"unreachable: no complete answer within 0\.\d s after 2 attempt"
    ):
        remote.by_code("110500012345678")
    assert 1.5 <= time.monotonic() - start < 1.8


def test_an_answer_larger_than_the_cap_is_cut_off_without_holding_it(service):
    import tracemalloc

    service.script = ["huge"]
    remote = HttpRegistry(service.url, HttpSettings(timeout=10.0, retries=2))  # answers up to 2 MB
    tracemalloc.start()
    try:
        with pytest.raises(
            RegistryError, match=r"unreachable: its answer is larger than 2 MB after 1 attempt"
        ):
            remote.by_code("110500012345678")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000 and service.requests == 1  # too large is not worth asking again


def test_an_entry_of_the_wrong_json_type_is_one_sentence(service):
    service.script = ["wrong_type"]
    with pytest.raises(RegistryError) as caught:
        HttpRegistry(service.url, FAST).by_code("110500012345678")
    assert str(caught.value) == (
        f"registry {service.url} answered an entry whose other_institutions is a number, "
        "not a list of strings."
    )
    assert (
        caught.value.text("zh")
        == f"登记库{service.url}的回应中有条目的other_institutions是数字，而应为字符串列表。"
    )


def _record(tmp_path: Path) -> Path:
    record = tmp_path / "read.json"
    fields = {k: {"value": v, "raw": v, "confidence": 0.99, "flags": []} for k, v in zhang().items()}
    record.write_text(json.dumps({"file": "x.jpg", "fields": fields}, ensure_ascii=False), encoding="utf-8")
    return record


BASIC_HR = "Basic " + base64.b64encode(b"hr:S3cret").decode()


def test_credentials_in_the_address_are_sent_but_never_shown(service, tmp_path):
    secret_url = service.url.replace("http://", "http://hr:S3cret@")
    result = runner.invoke(
        app, ["verify", "--record", str(_record(tmp_path)), "--registry", secret_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["registry"] == service.url and "S3cret" not in result.output
    assert {auth for _, _, auth in service.seen} == {BASIC_HR}
    summary = runner.invoke(app, ["verify", "--record", str(_record(tmp_path)), "--registry", secret_url])
    assert summary.exit_code == 0 and "S3cret" not in summary.output and service.url in summary.stdout
    service.script = ["503"] * 3
    failed = runner.invoke(app, ["verify", "--record", str(_record(tmp_path)), "--registry", secret_url,
                                 "--registry-retries", "0"])  # fmt: skip
    assert failed.exit_code == 2 and "S3cret" not in failed.output and service.url in failed.stderr


def test_credentials_over_plain_http_to_another_machine_are_refused(tmp_path):
    url = "http://hr:S3cret@registry.invalid/api"
    result = runner.invoke(app, ["verify", "--record", str(_record(tmp_path)), "--registry", url,
                                 "--registry-timeout", "0.5", "--registry-retries", "0"])  # fmt: skip
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "certscan: 拒绝通过未加密的http向http://registry.invalid/api发送登记库账号密码；请改用https。"
    )
    with pytest.raises(RegistryError, match=r"^refusing to send registry credentials over plain http"):
        env = {"CERTSCAN_REGISTRY_USER": "hr", "CERTSCAN_REGISTRY_PASSWORD": "S3cret"}
        open_registry("http://registry.invalid/api", env=env)
    assert isinstance(open_registry("https://hr:S3cret@registry.invalid/api", env={}), HttpRegistry)


def test_credentials_come_from_the_environment_or_netrc(service, tmp_path):
    env = {"CERTSCAN_REGISTRY_USER": "hr", "CERTSCAN_REGISTRY_PASSWORD": "S3cret"}
    result = runner.invoke(
        app, ["verify", "--record", str(_record(tmp_path)), "--registry", service.url], env=env
    )
    assert result.exit_code == 0, result.output
    assert service.seen and all(auth == BASIC_HR for _, _, auth in service.seen)
    service.seen.clear()
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login hr password S3cret\n")
    netrc.chmod(0o600)
    remote = open_registry(service.url, FAST, env={"NETRC": str(netrc)})
    assert len(remote.by_code("110500012345678")) == 1
    assert service.seen and all(auth == BASIC_HR for _, _, auth in service.seen)
