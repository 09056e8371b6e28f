"""What every command shares: exit codes, the options several commands take, one sentence and exit
2 for a wrong option or a library error (`fail`), the language, the scan configuration and the
registry to verify against."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..config import ScanConfig
from ..errors import CertscanError
from ..text import Lang

if TYPE_CHECKING:
    from ..registry import Registry


EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2

LangOption = Annotated[
    str, typer.Option("--lang", help="Language of the summary for people: zh (default) or en.")
]
DetOption = Annotated[
    Path | None,
    typer.Option("--det-model", help="PP-OCR ONNX detection model to use instead of the bundled one."),
]
RecOption = Annotated[
    Path | None,
    typer.Option("--rec-model", help="PP-OCR ONNX recognition model to use instead of the bundled one."),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--rec-keys", help="Character list for a recognition model that does not embed one."),
]
ThreadsOption = Annotated[int, typer.Option("--threads", min=0, help="ONNX Runtime threads (0: all cores).")]


RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="Registry to verify against: a SQLite file made by `certscan registry import`, or the "
        "http(s):// URL of a registry service. Default: $CERTSCAN_REGISTRY, else "
        "~/.local/share/certscan/registry.db.",
    ),
]
TimeoutOption = Annotated[
    float, typer.Option("--registry-timeout", min=0.1, help="Seconds to wait for an HTTP registry.")
]
RetriesOption = Annotated[
    int, typer.Option("--registry-retries", min=0, help="Retries after a failed HTTP registry request.")
]


def fail(message: str | CertscanError, lang: Lang = "zh") -> typer.Exit:
    """Print one sentence (an error's own, in the reader's language) and give exit code 2."""
    text = message.text(lang) if isinstance(message, CertscanError) else message
    typer.echo(f"certscan: {text}", err=True)
    return typer.Exit(EXIT_USAGE)


def parse_lang(value: str) -> Lang:
    if value not in ("zh", "en"):
        raise fail(f"unknown language {value!r}; use zh or en.")
    return "zh" if value == "zh" else "en"


def scan_config(
    det: Path | None, rec: Path | None, keys: Path | None, threads: int, lang: Lang = "zh"
) -> ScanConfig:
    overrides: dict[str, object] = {"threads": threads}
    for name, value in (("det_model", det), ("rec_model", rec), ("rec_keys", keys)):
        if value is not None:
            overrides[name] = value
    try:
        return ScanConfig(**overrides)  # type: ignore[arg-type]
    except CertscanError as exc:
        raise fail(exc, lang) from None


def open_store(location: str | None, timeout: float = 5.0, retries: int = 2, lang: Lang = "zh") -> Registry:
    """The registry to verify against; one sentence in the reader's language and exit 2 when it
    cannot be used (credentials over plain http to another machine included). The sentence and
    the registry's `describe()` name an HTTP registry without its credentials, which may also
    come from $CERTSCAN_REGISTRY_USER and $CERTSCAN_REGISTRY_PASSWORD or netrc."""
    from ..registry import HttpSettings, default_registry_path, open_registry

    try:
        return open_registry(location or default_registry_path(), HttpSettings(timeout, retries))
    except CertscanError as exc:
        raise fail(exc.text(lang)) from None
