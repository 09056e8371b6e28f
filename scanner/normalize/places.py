"""Places: Chongqing's districts and counties (today's, short and former names), and the provinces,
prefectures and counties elsewhere in China that tell a name is not Chongqing's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .data import data_rows, split_list


@dataclass(frozen=True)
class District:
    """A district or county of Chongqing (or a functional area institutions are named after)."""

    name: str
    short: tuple[str, ...]
    former: tuple[str, ...]
    parent: tuple[str, ...]

    @property
    def administrative(self) -> bool:
        """A real district or county (it has a 卫生健康委员会), not a functional area."""
        return not self.parent


@cache
def districts() -> tuple[District, ...]:
    """Chongqing's districts and counties with their short and former names (chongqing_districts.csv)."""
    return tuple(
        District(
            r["name"],
            tuple(split_list(r["short"])),
            tuple(split_list(r["former"])),
            tuple(split_list(r["parent"])),
        )
        for r in data_rows("chongqing_districts.csv")
    )


@cache
def _district_of() -> dict[str, str]:
    """Every way of writing a district (today's, short, former) → today's name."""
    out: dict[str, str] = {}
    for d in districts():
        for form in (d.name, *d.short, *d.former):
            out.setdefault(form, d.name)
    return out


@cache
def _district_re() -> re.Pattern[str]:
    forms = sorted(_district_of(), key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in forms))


@cache
def _places_outside() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of provinces and prefectures outside Chongqing: (full names, short names)."""
    rows = data_rows("china_places.csv")
    full = tuple(sorted({r["name"] for r in rows}, key=len, reverse=True))
    short = tuple(sorted({r["short"] for r in rows if r["short"]}, key=len, reverse=True))
    return full, short


@cache
def chongqing_districts() -> frozenset[str]:
    """Full names of Chongqing's districts and counties, present and former (渝北区, 江北县)."""
    return frozenset(name for d in districts() for name in (d.name, *d.former))


def place_names_outside() -> tuple[str, ...]:
    """Full names of China's provinces and prefectures outside Chongqing, longest first."""
    return _places_outside()[0]


@cache
def place_names() -> tuple[str, ...]:
    """Full names of China's provinces and prefectures and of Chongqing's districts and counties,
    longest first: what a 执业地点 or a 发证机关 begins with."""
    # The districts file lists the parts of 重庆市, not the municipality's own name.
    names = {"重庆市", *chongqing_districts(), *_places_outside()[0]}
    return tuple(sorted(names, key=len, reverse=True))


@cache
def county_names_elsewhere() -> frozenset[str]:
    """County-level names of China outside Chongqing, past and present, with and without their
    final 市/县/区 (GB/T 2260 as shipped in python-stdnum's cn/loc.dat). Chongqing's own places are
    left out, also where they were listed under Sichuan before 1997."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text("utf-8")
    ours = {form for d in districts() for n in (d.name, *d.short, *d.former) for form in (n, n[:-1])}
    names: set[str] = set()
    province = ""
    for line in text.splitlines():
        if not line.startswith(" "):
            province = line.split(" ", 1)[0]
            continue
        m = re.search(r'county="([^"]+)"', line)
        if m and province != "50":
            # A county renamed lists each name of its history: [1983-1999]郊区,[2000-]赛罕区.
            for name in (re.sub(r"^\[[^\]]*\]", "", n) for n in m.group(1).split(",")):
                names.update({name, name[:-1]} if len(name) > 2 and name[-1] in "市县区" else {name})
    return frozenset(names - ours)


# A place name is restored from a one-character misreading only when this long (with its final
# 市/省/州…): two characters read right of three are too little to name one place.
MIN_RESTORED_PLACE = 4


@cache
def _places_by_length() -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for name in place_names():
        out.setdefault(len(name), []).append(name)
    return {n: tuple(names) for n, names in out.items()}


def restored_place(text: str) -> str | None:
    """The name with a misread place restored (呼和油特市第一医院 → 呼和浩特市第一医院), or None.

    The places a name begins with (a province, then a prefecture) are followed as printed; the
    first that is no place must be one character away from a single place name of China or of
    Chongqing (MIN_RESTORED_PLACE long at least), its final character (市, 省, 州 …) read right.
    Chongqing's own names are on the list so a damaged one is never taken for another province's;
    they are left to the gazetteer's matching, which knows their institutions."""
    names, by_length = place_names(), _places_by_length()
    at = 0
    while (known := next((p for p in names if text.startswith(p, at)), None)) is not None:
        at += len(known)
    rest = text[at:]
    near = {
        name
        for n, group in by_length.items()
        if MIN_RESTORED_PLACE <= n <= len(rest)
        for name in group
        if name[-1] == rest[n - 1] and sum(a != b for a, b in zip(name, rest[:n], strict=True)) == 1
    }
    if len(near) != 1:
        return None
    (place,) = near
    if place in chongqing_districts():
        return None
    return text[:at] + place + rest[len(place) :]
