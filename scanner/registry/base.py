"""What every registry back end shares: the entry it answers, its counts, the three lookups it
answers (`Registry`), the error it raises and how an HTTP registry is talked to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import CertscanError
from ..fields import FIELD_ORDER, FieldKey


class RegistryError(CertscanError):
    """A registry that cannot be opened, reached or understood: one sentence in English and one in
    Chinese (`text(lang)`), naming a service by its address without credentials."""


@dataclass(frozen=True)
class RegistryEntry:
    """One registered doctor: the certificate fields as the registry holds them.

    `institution` is the main practice institution (主要执业机构) under its official name when known;
    `other_institutions` are further registered sites (多机构备案). A field the registry does not
    hold is None and is not compared.
    """

    name: str
    certificate_code: str
    sex: str | None = None
    birth_date: str | None = None
    id_number: str | None = None
    level: str | None = None
    category: str | None = None
    scope: str | None = None
    practice_place: str | None = None
    institution: str | None = None
    authority: str | None = None
    issue_date: str | None = None
    # The 医师资格证书 code (执业资格证书编号 in registration exports), when the registry holds it.
    qualification_code: str | None = None
    other_institutions: tuple[str, ...] = ()
    # Where the row came from (file and line of the import), for people tracing a difference.
    source: str | None = None

    def value(self, key: FieldKey) -> str | None:
        """The registry's value of a canonical field."""
        value = getattr(self, str(key))
        return value if isinstance(value, str) or value is None else str(value)

    @property
    def institutions(self) -> tuple[str, ...]:
        """Every registered site, the main institution first."""
        main = (self.institution,) if self.institution else ()
        return main + tuple(i for i in self.other_institutions if i != self.institution)

    def to_json(self) -> dict[str, Any]:
        """Canonical keys (qualification_code included) plus `other_institutions` (and `source` when
        known)."""
        out: dict[str, Any] = {str(k): self.value(k) for k in FIELD_ORDER}
        out["other_institutions"] = list(self.other_institutions)
        if self.source:
            out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegistryEntry:
        """An entry from the JSON a registry service answers (the shape `to_json` writes), checked
        against that shape: `name` and `certificate_code` strings, every other field a string or
        null, `other_institutions` a list of strings (or one string) or null. RegistryError with one
        sentence ("answered ...") when it does not fit. `qualification_code` may be left out (a
        service that does not hold it)."""
        name, code = data.get("name"), data.get("certificate_code")
        if not isinstance(name, str) or not isinstance(code, str) or not name or not code:
            raise RegistryError(
                "answered an entry without a name or certificate code.", "的回应中有条目缺少姓名或证书编码。"
            )
        for key in (*(str(k) for k in FIELD_ORDER), "source"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise _wrong_type(key, "a string or null", "字符串或null", value)
        others = data.get("other_institutions")
        if isinstance(others, str):
            others = [others]
        if others is None:
            others = []
        if not isinstance(others, list) or not all(isinstance(o, str) for o in others):
            raise _wrong_type("other_institutions", "a list of strings", "字符串列表", others)
        values = {str(k): _text(data.get(str(k))) for k in FIELD_ORDER}
        values.update(name=name, certificate_code=code)
        return cls(
            **values,  # type: ignore[arg-type]
            other_institutions=tuple(o for o in others if o),
            source=_text(data.get("source")),
        )


# How a JSON value's type is named in a sentence.
_JSON_TYPES: dict[type, tuple[str, str]] = {
    bool: ("a boolean", "布尔值"),
    int: ("a number", "数字"),
    float: ("a number", "数字"),
    list: ("a list", "列表"),
    dict: ("an object", "对象"),
    str: ("a string", "字符串"),
}


def _wrong_type(key: str, wanted: str, wanted_zh: str, value: Any) -> RegistryError:
    got, got_zh = _JSON_TYPES.get(type(value), ("something else", "其他类型"))
    return RegistryError(
        f"answered an entry whose {key} is {got}, not {wanted}.",
        f"的回应中有条目的{key}是{got_zh}，而应为{wanted_zh}。",
    )


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


@dataclass(frozen=True)
class RegistryStats:
    """What a registry holds, for `certscan registry stats`."""

    doctors: int
    sites: int
    by_category: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    location: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "doctors": self.doctors,
            "sites": self.sites,
            "by_category": self.by_category,
            "by_level": self.by_level,
        }


class Registry(Protocol):
    """The three lookups verification may use. Each returns every matching entry (0, 1 or more)."""

    def by_code(self, certificate_code: str) -> list[RegistryEntry]:
        """Entries holding this certificate code."""
        ...

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        """Entries of this name and ID number."""
        ...

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        """Entries of this name registered at this institution (official name), at any of their sites."""
        ...

    def describe(self) -> str:
        """Where the registry is (a file path or a URL), for reports."""
        ...

    def close(self) -> None:
        """Release files or connections."""
        ...


@dataclass(frozen=True)
class HttpSettings:
    """How to talk to an HTTP registry.

    `timeout`: seconds one attempt may take from its start to the answer's last byte; `retries`
    after a failed attempt, the first after `backoff` seconds and each next one after twice as
    long; `deadline`: seconds a whole lookup may take, every attempt and pause included (by
    default what the attempts and pauses add up to); `max_answer_bytes`: the largest answer read
    (a lookup answers a handful of entries of a kilobyte or so each).
    """

    timeout: float = 5.0
    retries: int = 2
    backoff: float = 0.25
    deadline: float | None = None
    max_answer_bytes: int = 2_000_000

    @property
    def total_deadline(self) -> float:
        """Seconds a lookup may take in all."""
        if self.deadline is not None:
            return self.deadline
        return self.timeout * (self.retries + 1) + self.backoff * ((1 << self.retries) - 1)
