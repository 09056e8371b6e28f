"""The HTTP registry client against a real registry service started on localhost by the tests.

The service answers from a real SQLite registry; it can be told to answer slowly, fail, or send
something that is not JSON, so retries, timeouts and error sentences are tested for real.
"""

from __future__ import annotations

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

from scanner.registry import HttpSettings, RegistryError, open_registry
from scanner.registry.http import HttpRegistry
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry


class RegistryService(ThreadingHTTPServer):
    """A registry service over a SQLite file; `script` lists how to answer the next requests."""

    daemon_threads = True

    def __init__(self, db: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.db = db
        self.script: list[str] = []
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class Handler(BaseHTTPRequestHandler):
    server: RegistryService

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        self.server.requests += 1
        how = self.server.script.pop(0) if self.server.script else "ok"
        if how == "slow":
            time.sleep(0.6)
        if how.isdigit():
            return self._send(int(how), b'{"error": "busy"}')
        if how == "garbage":
            return self._send(200, b"<html>maintenance</html>")
        url = urlparse(self.path)
        if url.path != "/api/doctors":
            return self._send(404, b"{}")
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        store = SqliteRegistry.open_existing(self.server.db)
        if "certificate_code" in q:
            found = store.by_code(q["certificate_code"])
        elif "id_number" in q:
            found = store.by_name_and_id(q["name"], q["id_number"])
        else:
            found = store.by_name_and_institution(q["name"], q["institution"])
        store.close()
        self._send(200, json.dumps({"doctors": [e.to_json() for e in found]}).encode())

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
    with pytest.raises(RegistryError, match=r"unreachable: no answer within 0\.2 s after 3 attempt"):
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
    service.script = ["garbage"]
    with pytest.raises(RegistryError, match="not JSON"):
        HttpRegistry(service.url, FAST).by_code("110500012345678")
    with pytest.raises(RegistryError, match=r"refused the lookup \(HTTP 404\)"):
        HttpRegistry(service.url.replace("/api", "/elsewhere"), FAST).by_code("110500012345678")
