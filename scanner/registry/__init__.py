"""Registry stage: where certscan looks doctors up.

A registry answers three questions, the same ones a person asks the official lookup: who holds this
certificate code, who has this name and ID number, who of this name practises at this institution.
Never "who has this name" alone. Two back ends answer them behind the `Registry` protocol: a local
SQLite file (the embedded default, filled by `certscan registry import`) and an HTTP JSON service.

- `base`: the entry, the counts, the `Registry` protocol, its error and the HTTP settings.
- `sqlite`, `http`: the two back ends, imported only when `open_registry` chooses one.
- `importer`: a roster (CSV or Excel export) read, checked and merged into a SQLite registry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .base import HttpSettings, Registry, RegistryEntry, RegistryError, RegistryStats


def default_registry_path(env: Mapping[str, str] | None = None) -> Path:
    """The registry used when none is named: $CERTSCAN_REGISTRY, else the user's data folder."""
    env = os.environ if env is None else env
    if env.get("CERTSCAN_REGISTRY"):
        return Path(env["CERTSCAN_REGISTRY"])
    base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else Path.home() / ".local" / "share"
    return base / "certscan" / "registry.db"


def open_registry(
    location: str | Path, http: HttpSettings | None = None, env: Mapping[str, str] | None = None
) -> Registry:
    """A registry from a SQLite file path or an http(s):// URL (credentials as `HttpRegistry` takes
    them, from the address, `env` or netrc). Raises RegistryError with one sentence."""
    text = str(location)
    if text.startswith(("http://", "https://")):
        from .http import HttpRegistry

        return HttpRegistry(text, http or HttpSettings(), env)
    from .sqlite import SqliteRegistry

    return SqliteRegistry.open_existing(Path(text))


__all__ = [
    "HttpSettings",
    "Registry",
    "RegistryEntry",
    "RegistryError",
    "RegistryStats",
    "default_registry_path",
    "open_registry",
]
