"""A registry behind an HTTP JSON service (a hospital group's or a province's verification endpoint).

The protocol: `POST {url}/doctors` with a JSON body holding one of three key sets, the same lookups
as the local store: `{"certificate_code"}`; `{"name", "id_number"}`; `{"name", "institution"}`.
Keys travel in the body, never in the address, so no ID number lands in a server's or a proxy's
access log. The answer is `{"doctors": [entry, ...]}`, each entry with the canonical field keys
(a string or null each) and `other_institutions` (a list of strings); anything else is refused in
one sentence.

Every lookup has a deadline: each attempt at most `timeout` seconds from its start to the last byte
of the answer (not per read: a server sending a byte at a time cannot hold it), all attempts with
their backoff at most `deadline` seconds. Answers larger than `max_answer_bytes` are cut off. Timeouts,
refused connections and 5xx/429 answers are retried with exponential backoff while time remains;
anything still failing becomes one RegistryError sentence naming the service's address (without
credentials).

Credentials: from the address (`https://user:password@host/api`), else from
$CERTSCAN_REGISTRY_USER and $CERTSCAN_REGISTRY_PASSWORD, else from the netrc file ($NETRC, else
~/.netrc) entry of the host. They are sent only over https, or over plain http to this machine.
"""

from __future__ import annotations

import ipaddress
import json
import netrc
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from ..text import redact_url
from .base import HttpSettings, RegistryEntry, RegistryError

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
USER_VARIABLE = "CERTSCAN_REGISTRY_USER"
PASSWORD_VARIABLE = "CERTSCAN_REGISTRY_PASSWORD"


class HttpRegistry:
    """Looks doctors up in a remote registry service; one connection pool for all lookups."""

    def __init__(
        self, url: str, settings: HttpSettings | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings or HttpSettings()
        self.url = redact_url(url).rstrip("/")
        auth = _credentials(url, os.environ if env is None else env)
        if auth is not None and not _may_send_credentials(url):
            raise RegistryError(
                f"refusing to send registry credentials over plain http to {self.url}; use https.",
                f"拒绝通过未加密的http向{self.url}发送登记库账号密码；请改用https。",
            )
        self._client = httpx.Client(
            auth=auth,
            # Identity only: a compressed answer could inflate far past the size cap in one piece.
            headers={"Accept": "application/json", "Accept-Encoding": "identity"},
        )

    def by_code(self, certificate_code: str) -> list[RegistryEntry]:
        """Entries holding this certificate code."""
        return self._lookup({"certificate_code": certificate_code})

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        """Entries of this name and ID number."""
        return self._lookup({"name": name, "id_number": id_number})

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        """Entries of this name registered at this institution."""
        return self._lookup({"name": name, "institution": institution})

    def _lookup(self, keys: dict[str, str]) -> list[RegistryEntry]:
        settings = self.settings
        start = time.monotonic()
        deadline = start + settings.total_deadline
        attempts = 0
        problem, problem_zh = "", ""
        while attempts <= settings.retries:
            if attempts:
                pause = settings.backoff * 2 ** (attempts - 1)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            attempts += 1
            ends = min(time.monotonic() + settings.timeout, deadline)
            answer = _Attempt(self._client, f"{self.url}/doctors", keys, ends, settings.max_answer_bytes)
            outcome = answer.run()
            if outcome.status is None:
                problem, problem_zh = outcome.problem, outcome.problem_zh
                if outcome.final:
                    break
                continue
            if outcome.status in _RETRY_STATUS:
                problem, problem_zh = f"it answered HTTP {outcome.status}", f"其回应为HTTP {outcome.status}"
                continue
            if outcome.status != 200:
                raise RegistryError(
                    f"registry {self.url} refused the lookup (HTTP {outcome.status}).",
                    f"登记库{self.url}拒绝了查询（HTTP {outcome.status}）。",
                )
            return _entries(outcome.body, self.url)
        raise RegistryError(
            f"registry {self.url} is unreachable: {problem} after {attempts} attempt(s).",
            f"无法连接登记库{self.url}：{problem_zh}（共尝试{attempts}次）。",
        )

    def describe(self) -> str:
        """The service's address, without credentials."""
        return self.url

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


@dataclass
class _Outcome:
    status: int | None = None
    body: bytes = b""
    problem: str = ""
    problem_zh: str = ""
    final: bool = False  # not worth another attempt (an answer too large)


class _Attempt:
    """One request, run on a worker thread so the caller regains control at the deadline whatever
    the server does; the worker itself stops reading by then too (checked after every piece), and a
    late worker's answer is dropped."""

    def __init__(self, client: httpx.Client, url: str, keys: dict[str, str], ends: float, cap: int) -> None:
        self.client, self.url, self.keys, self.ends, self.cap = client, url, keys, ends, cap
        self.seconds = round(ends - time.monotonic(), 1)
        self.outcome = _Outcome()

    def run(self) -> _Outcome:
        worker = threading.Thread(target=self._work, daemon=True)
        worker.start()
        worker.join(max(0.0, self.ends - time.monotonic()))
        if worker.is_alive():
            return self._late()
        return self.outcome

    def _late(self) -> _Outcome:
        return _Outcome(
            problem=f"no complete answer within {self.seconds:g} s",
            problem_zh=f"{self.seconds:g}秒内未得到完整回应",
        )

    def _work(self) -> None:
        remaining = max(0.001, self.ends - time.monotonic())
        try:
            with self.client.stream(
                "POST", self.url, json=self.keys, timeout=httpx.Timeout(remaining)
            ) as response:
                if response.status_code != 200:
                    self.outcome = _Outcome(response.status_code)
                    return
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.cap:
                    self.outcome = self._too_large()
                    return
                body = bytearray()
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) > self.cap:
                        self.outcome = self._too_large()
                        return
                    if time.monotonic() > self.ends:
                        self.outcome = self._late()
                        return
                self.outcome = _Outcome(200, bytes(body))
        except httpx.TimeoutException:
            self.outcome = self._late()
        except (httpx.TransportError, httpx.StreamError) as exc:
            self.outcome = _Outcome(
                problem=f"cannot connect ({type(exc).__name__})",
                problem_zh=f"连接失败（{type(exc).__name__}）",
            )

    def _too_large(self) -> _Outcome:
        megabytes = self.cap / 1_000_000
        return _Outcome(
            problem=f"its answer is larger than {megabytes:g} MB",
            problem_zh=f"其回应超过{megabytes:g} MB",
            final=True,
        )


def _entries(body: bytes, url: str) -> list[RegistryEntry]:
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested too deep to parse
        raise RegistryError(
            f"registry {url} answered something that is not JSON.", f"登记库{url}的回应不是JSON。"
        ) from None
    doctors = data.get("doctors") if isinstance(data, dict) else None
    if not isinstance(doctors, list) or not all(isinstance(d, dict) for d in doctors):
        raise RegistryError(
            f'registry {url} answered JSON without a "doctors" list.',
            f"登记库{url}的回应缺少“doctors”列表。",
        )
    try:
        return [RegistryEntry.from_json(d) for d in doctors]
    except RegistryError as exc:
        raise RegistryError(f"registry {url} {exc}", f"登记库{url}{exc.text('zh')}") from None


def _credentials(url: str, env: Mapping[str, str]) -> httpx.BasicAuth | None:
    """User name and password from the address, else the environment, else netrc; None without any."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
    if env.get(USER_VARIABLE) or env.get(PASSWORD_VARIABLE):
        return httpx.BasicAuth(env.get(USER_VARIABLE, ""), env.get(PASSWORD_VARIABLE, ""))
    file = Path(env["NETRC"]) if env.get("NETRC") else Path(env.get("HOME") or Path.home()) / ".netrc"
    if not parts.hostname or not file.is_file():
        return None
    try:
        found = netrc.netrc(file).authenticators(parts.hostname)
    except (netrc.NetrcParseError, OSError):
        raise RegistryError(f"the netrc file {file} cannot be read.", f"无法读取netrc文件{file}。") from None
    if not found:
        return None
    login, _account, password = found
    return httpx.BasicAuth(login or "", password or "")


def _may_send_credentials(url: str) -> bool:
    """Credentials go over https, or over plain http only to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
