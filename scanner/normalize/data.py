"""Reading the reference tables in `scanner/data/` (sources in scanner/data/README.md)."""

from __future__ import annotations

import csv
from importlib import resources


def data_rows(name: str) -> list[dict[str, str]]:
    """The rows of a CSV file in scanner/data, every value stripped."""
    text = resources.files("scanner.data").joinpath(name).read_text("utf-8")
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(text.splitlines())]


def split_list(value: str) -> list[str]:
    """The items of a `;`-separated cell (aliases, short forms), stripped, empty ones dropped."""
    return [p.strip() for p in value.split(";") if p.strip()]
