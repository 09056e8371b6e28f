"""A registry behind an HTTP JSON service (a hospital group's or a province's verification endpoint).

The service answers `GET {url}/doctors` with one of three query sets, the same lookups as the local
store: `certificate_code`; `name` and `id_number`; `name` and `institution`. The answer is
`{"doctors": [entry, ...]}`, each entry with the canonical field keys and `other_institutions`.
Timeouts, refused connections and 5xx/429 answers are retried with exponential backoff; anything
still failing becomes one RegistryError sentence naming the URL.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from . import HttpSettings, RegistryEntry, RegistryError

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpRegistry:
    """Looks doctors up in a remote registry service; one connection pool for all lookups."""

    def __init__(self, url: str, settings: HttpSettings | None = None) -> None:
        self.url = url.rstrip("/")
        self.settings = settings or HttpSettings()
        self._client = httpx.Client(timeout=self.settings.timeout, headers={"Accept": "application/json"})

    def by_code(self, certificate_code: str) -> list[RegistryEntry]:
        """Entries holding this certificate code."""
        return self._get({"certificate_code": certificate_code})

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        """Entries of this name and ID number."""
        return self._get({"name": name, "id_number": id_number})

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        """Entries of this name registered at this institution."""
        return self._get({"name": name, "institution": institution})

    def _get(self, params: dict[str, str]) -> list[RegistryEntry]:
        url = f"{self.url}/doctors"
        attempts = self.settings.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.settings.backoff * 2 ** (attempt - 1))
            try:
                response = self._client.get(url, params=params)
            except httpx.TimeoutException:
                problem = f"no answer within {self.settings.timeout:g} s"
                continue
            except httpx.TransportError as exc:
                problem = f"cannot connect ({type(exc).__name__})"
                continue
            if response.status_code in _RETRY_STATUS:
                problem = f"it answered HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise RegistryError(f"registry {self.url} refused the lookup (HTTP {response.status_code}).")
            return _entries(response, self.url)
        raise RegistryError(f"registry {self.url} is unreachable: {problem} after {attempts} attempt(s).")

    def describe(self) -> str:
        """The service's URL."""
        return self.url

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def _entries(response: httpx.Response, url: str) -> list[RegistryEntry]:
    try:
        data: Any = response.json()
    except ValueError:
        raise RegistryError(f"registry {url} answered something that is not JSON.") from None
    doctors = data.get("doctors") if isinstance(data, dict) else None
    if not isinstance(doctors, list) or not all(isinstance(d, dict) for d in doctors):
        raise RegistryError(f'registry {url} answered JSON without a "doctors" list.')
    return [RegistryEntry.from_json(d) for d in doctors]
