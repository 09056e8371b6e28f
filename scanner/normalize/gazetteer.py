"""The gazetteer: institution rows, the bundled Chongqing list, and the users' own CSVs.

This is the edge of the stage that reads files: the bundled gazetteer, and the users' rows, which
the CLI loads (`load_user_institutions`) and passes to the matcher, which reads none.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import ConfigError
from .data import split_list
from .text import (
    clean,
)


@dataclass(frozen=True)
class Institution:
    """One gazetteer row: the official name, its aliases and former names, district, grade, sources."""

    name: str
    aliases: tuple[str, ...] = ()
    district: str = ""
    level: str = ""
    source: str = ""


# Accepted column names of an institutions CSV (English as in the bundled gazetteer, or Chinese).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "机构名称"),
    "aliases": ("aliases", "别名"),
    "district": ("district", "区县"),
    "level": ("level", "等级", "级别"),
    "source": ("source", "来源"),
}


def parse_institutions(text: str, origin: str) -> tuple[Institution, ...]:
    """Institutions from CSV text with the gazetteer's columns; `origin` names the file in errors."""
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    columns: dict[str, str] = {}
    for key, names in _COLUMNS.items():
        for raw, h in zip(reader.fieldnames or [], header, strict=True):
            if h in names:
                columns[key] = raw
    if "name" not in columns:
        raise ConfigError(
            f"{origin}: the first line must name the columns (name,aliases,district,level,source)."
        )
    out: list[Institution] = []
    for row in reader:

        def get(key: str, row: dict[str, str] = row) -> str:
            return (row.get(columns[key]) or "").strip() if key in columns else ""

        name = get("name")
        if not name:
            raise ConfigError(f"{origin}: line {reader.line_num} has no institution name.")
        out.append(
            Institution(
                name,
                tuple(split_list(get("aliases"))),
                get("district"),
                get("level"),
                get("source") or origin,
            )
        )
    return tuple(out)


def read_institutions(path: Path) -> tuple[Institution, ...]:
    """Institutions from a CSV file (UTF-8, the gazetteer's columns)."""
    if Path(path).is_dir():
        raise ConfigError(
            f"{path} is a folder; name the institutions CSV file itself.",
            f"{path} 是文件夹，请指定机构CSV文件本身。",
        )
    try:
        text = Path(path).read_text("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"institutions file not found: {path}", f"机构文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not a UTF-8 CSV file; save it as CSV UTF-8.",
            f"{path} 不是UTF-8编码的CSV文件，请另存为CSV UTF-8。",
        ) from None
    except OSError:
        raise ConfigError(f"cannot read institutions file {path}.", f"无法读取机构文件：{path}") from None
    return parse_institutions(text, str(path))


@cache
def bundled_gazetteer() -> tuple[Institution, ...]:
    """The Chongqing gazetteer shipped with certscan (scanner/data/chongqing_institutions.csv)."""
    text = resources.files("scanner.data").joinpath("chongqing_institutions.csv").read_text("utf-8")
    return parse_institutions(text, "chongqing_institutions.csv")


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """certscan's configuration folder: $CERTSCAN_CONFIG_DIR, else ~/.config/certscan."""
    value = (os.environ if env is None else env).get("CERTSCAN_CONFIG_DIR")
    return Path(value) if value else Path.home() / ".config" / "certscan"


def user_institution_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The users' own institution CSVs: <config dir>/institutions/*.csv, in name order."""
    folder = config_dir(env) / "institutions"
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def load_user_institutions(
    files: Sequence[Path] = (), env: Mapping[str, str] | None = None
) -> tuple[Institution, ...]:
    """The users' own institution rows, read at the edge (the CLI) and passed to the matcher: the
    CSVs of the config folder (`user_institution_files`), then `files` (--institutions), in order.
    Raises ConfigError for a file that cannot be read."""
    paths = [*user_institution_files(env), *files]
    return tuple(inst for path in paths for inst in read_institutions(path))


def merge_institutions(base: Sequence[Institution], extra: Iterable[Institution]) -> tuple[Institution, ...]:
    """The gazetteer with users' rows added: a row naming a known institution adds its aliases (and
    fills an empty district or grade); any other row is a new institution."""
    merged = list(base)
    index = {clean(inst.name): i for i, inst in enumerate(merged)}
    for inst in extra:
        key = clean(inst.name)
        if key not in index:
            index[key] = len(merged)
            merged.append(inst)
            continue
        old = merged[index[key]]
        merged[index[key]] = replace(
            old,
            aliases=tuple(dict.fromkeys((*old.aliases, *inst.aliases))),
            district=old.district or inst.district,
            level=old.level or inst.level,
            source=";".join(s for s in (old.source, inst.source) if s),
        )
    return tuple(merged)
