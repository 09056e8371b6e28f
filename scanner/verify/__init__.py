"""Verification stage: look the doctor up, compare field by field, and decide a verdict.

This is the manual check automated. A doctor is found by certificate code and name together, then by
name and ID number, then by name and institution, never by name alone. Every difference is explained
the way registration works (a moved doctor, a lagging registry, a code that belongs to someone else),
and a verdict is only as sure as the readings it rests on: a deciding field OCR is unsure of gives
`needs_review`, never a guess, and a registry miss alone never calls a certificate forged.

A booklet is compared as its change record leaves it (`record.current`, see `current`): a doctor whose
newest change names the registry's institution is consistent, a registry still holding the value from
before a change is lag (`Kind.REGISTRY_LAG`), and a change block read unsurely decides nothing. A
document that is no practising certificate (a 医师资格证书, a 职称 certificate) is `wrong_document` and
is never looked up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from ..checks import CODE_PATTERN, ID_PATTERN
from ..fields import (
    CURRENT_KEYS,
    FIELD_ORDER,
    NAME_DOT,
    NAME_DOTS,
    NO_CERTIFICATE,
    CertificateRecord,
    Check,
    CheckName,
    Document,
    FieldKey,
    FieldResult,
    Flag,
)
from ..normalize import (
    InstitutionMatcher,
    clean,
    normalize_authority,
    normalize_category,
    normalize_level,
    normalize_scope,
)
from ..registry import Registry, RegistryEntry
from ..vocab import split_scopes
from .current import BookletView, booklet_view, change_order, keys_set_by


class Verdict(StrEnum):
    """What the lookup means (SPEC.md)."""

    CONSISTENT = "consistent"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    NEEDS_REVIEW = "needs_review"
    # The picture holds no practising certificate (SPEC.md): nothing to look up.
    WRONG_DOCUMENT = "wrong_document"


class MatchedBy(StrEnum):
    """Which lookup found the registry entry."""

    CODE_AND_NAME = "certificate_code+name"
    CODE = "certificate_code"  # the printed code, held by someone of another name
    NAME_AND_ID = "name+id_number"
    NAME_AND_INSTITUTION = "name+institution"


class Kind(StrEnum):
    """What a difference means; each has its own explanation and advice."""

    IDENTITY_UNDER_CODE = "identity_under_code"  # another person holds the printed code
    PERSONAL = "personal"  # sex or birth date differ for the same person
    CODE = "certificate_code"  # the doctor is registered under another code
    INSTITUTION = "institution"
    SCOPE_WIDER = "scope_wider"  # the certificate claims scopes the registry does not hold
    SCOPE_NARROWER = "scope_narrower"  # the registry holds more scopes than the certificate
    LEVEL = "level"
    CATEGORY = "category"
    PLACE = "practice_place"
    AUTHORITY = "authority"
    ISSUE_DATE = "issue_date"
    QUALIFICATION_CODE = "qualification_code"
    # The registry holds the value from before a change the booklet records: it has not caught up.
    REGISTRY_LAG = "registry_lag"
    OTHER = "other"


# Failed checks that make a certificate invalid when the fields they concern are surely read.
# Vocabulary checks are left out: an old or local wording is for a person to judge.
# A value of the wrong length or form (17 digits, a letter in a code) is left out too: a dropped or
# misread character explains it better than a misprint.
HARD_CHECKS = frozenset(
    {
        CheckName.ID_CHECKSUM,
        CheckName.ID_REGION,
        CheckName.ID_BIRTH_DATE,
        CheckName.ID_SEX,
        CheckName.BIRTH_DATE_VALID,
        CheckName.ISSUE_DATE_VALID,
        CheckName.ISSUE_AFTER_BIRTH,
        CheckName.ISSUE_NOT_FUTURE,
    }
)
# Failed checks that say a value was most likely read from the wrong place (a 变更注册 date under
# the 出生日期 label), not printed so: the fields they concern are doubtful readings, however surely
# OCR read them, and decide no verdict.
MISREAD_CHECKS = frozenset({CheckName.BIRTH_DATE_PLAUSIBLE})

# Kinds of institution whose staff deserve the extra check of the licensed staff list.
_SMALL_CLINIC = re.compile(r"诊所|门诊部|卫生室|医务室|卫生所|保健所|医疗站|私人|个体")
_DOTS = re.compile(f"[{re.escape(NAME_DOTS)}]")
# Words that make a name an institution's, never a practice place's (a province or city).
_INSTITUTION_WORD = re.compile(
    r"医院|卫生院|卫生室|医务室|诊所|门诊部|保健院|保健所|中心|研究所|研究院|大学|学院|公司"
)


def name_key(name: str) -> str:
    """A person's name for comparison and lookup: NFKC, no spaces, one kind of middle dot."""
    return _DOTS.sub(NAME_DOT, unicodedata.normalize("NFKC", name)).replace(" ", "")


def _dotless(key: str) -> str:
    return key.replace(NAME_DOT, "")


@dataclass(frozen=True)
class Difference:
    """One field where certificate and registry disagree. `sure` is false when the reading (or the
    comparison) is not sure enough to rest a verdict on."""

    field: FieldKey
    certificate: str | None
    registry: str | None
    kind: Kind
    sure: bool
    # The change block (index into record.changes) the certificate's value comes from; None when
    # the value is the printed one.
    change: int | None = None


@dataclass(frozen=True)
class Verification:
    """A certificate reading, what the registry holds, and the verdict with its grounds: data only;
    scanner/report renders it (`verification_json`, `verify_summary`)."""

    record: CertificateRecord
    verdict: Verdict | None
    registry: str
    entry: RegistryEntry | None = None
    matched_by: MatchedBy | None = None
    differences: tuple[Difference, ...] = ()
    # Fields whose doubtful reading kept the verdict from being decided.
    doubtful: tuple[FieldKey, ...] = ()
    # Entries that fit equally (an ambiguous lookup).
    candidates: tuple[RegistryEntry, ...] = ()
    # The bearer (same name and ID number) registered under another code than the printed one.
    elsewhere: tuple[RegistryEntry, ...] = ()
    failed_checks: tuple[Check, ...] = ()
    # The certificate's institution is one of the doctor's further registered sites.
    other_site: bool = False
    small_clinic: bool = False
    # Change blocks marked for review that may decide the verdict (indexes into record.changes).
    doubtful_changes: tuple[int, ...] = ()


class Verifier:
    """Verifies readings against one registry; the institution matcher is shared with the scanner."""

    def __init__(self, registry: Registry, matcher: InstitutionMatcher | None = None) -> None:
        self.registry = registry
        self.matcher = matcher or InstitutionMatcher()

    def verify(self, record: CertificateRecord) -> Verification:
        """Look up, compare and decide. Raises RegistryError when the registry cannot answer."""
        where = self.registry.describe()
        if record.error:
            return Verification(record, None, where)
        if NO_CERTIFICATE in record.warnings or record.document is not Document.PRACTISING:
            # Another document (a 医师资格证书, a 职称 certificate): never looked up as a practising one.
            return Verification(record, Verdict.WRONG_DOCUMENT, where)
        view = booklet_view(record)
        fields = view.fields
        misread = _misread(record)
        failed = tuple(
            c
            for c in record.checks
            if not c.ok
            and c.check in HARD_CHECKS
            and _all_sure(record.fields, c.fields)
            and not misread.intersection(c.fields)
        )
        clinic = _SMALL_CLINIC.search(_value(fields, FieldKey.INSTITUTION) or "") is not None
        found = self._lookup(view)
        base = Verification(record, None, where, failed_checks=failed, small_clinic=clinic)
        if failed:
            # Surely read and still impossible: the certificate itself is wrong, whatever the registry
            # holds. The lookup is kept for the person who follows it up.
            return self._compared(base, view, found, Verdict.INVALID)
        return self._compared(base, view, found, None)

    # -- lookup --------------------------------------------------------------------------------

    def _lookup(self, view: BookletView) -> _Found:
        """By certificate code and name, name and ID number, name and institution. A booklet's
        current code and institution are tried first, then the printed ones (a registry that has
        not caught up with a change still holds those)."""
        fields = view.fields
        if not _value(fields, FieldKey.NAME):
            return _Found(keys=(FieldKey.NAME,))
        names = _name_forms(fields[FieldKey.NAME])
        name = names[0]
        id_number = _value(fields, FieldKey.ID_NUMBER)
        tried: list[FieldKey] = [FieldKey.NAME]
        code_holder: RegistryEntry | None = None
        codes = _tried(fields, view, FieldKey.CERTIFICATE_CODE)
        for code in (c for c in codes if CODE_PATTERN.match(c)):
            if FieldKey.CERTIFICATE_CODE not in tried:
                tried.append(FieldKey.CERTIFICATE_CODE)
            holders = self.registry.by_code(code)
            same = [h for h in holders if _same_person_name(names, h, fields, codes)]
            if len(same) == 1:
                return _Found(same[0], MatchedBy.CODE_AND_NAME, keys=tuple(tried))
            if len(holders) > 1 or len(same) > 1:
                return _Found(candidates=tuple(holders), keys=tuple(tried))
            code_holder = code_holder or (holders[0] if holders else None)
        if id_number and ID_PATTERN.match(id_number):
            id_number = id_number.upper()
            tried.append(FieldKey.ID_NUMBER)
            people = self.registry.by_name_and_id(name, id_number)
            if code_holder is not None:
                # The printed code belongs to someone else; the bearer may be registered elsewhere.
                return _Found(code_holder, MatchedBy.CODE, keys=tuple(tried), elsewhere=tuple(people))
            if len(people) == 1:
                return _Found(people[0], MatchedBy.NAME_AND_ID, keys=tuple(tried))
            if people:
                return _Found(candidates=tuple(people), keys=tuple(tried))
        if code_holder is not None:
            return _Found(code_holder, MatchedBy.CODE, keys=tuple(tried))
        institutions = _tried(fields, view, FieldKey.INSTITUTION)
        if institutions:
            tried.append(FieldKey.INSTITUTION)
        for institution in dict.fromkeys(self.matcher.match(i).match or i for i in institutions):
            staff = self.registry.by_name_and_institution(name, institution)
            if len(staff) == 1:
                return _Found(staff[0], MatchedBy.NAME_AND_INSTITUTION, keys=tuple(tried))
            if staff:
                return _Found(candidates=tuple(staff), keys=tuple(tried))
        return _Found(keys=tuple(tried))

    # -- comparison and verdict ----------------------------------------------------------------

    def _compared(
        self, base: Verification, view: BookletView, found: _Found, verdict: Verdict | None
    ) -> Verification:
        fields = view.fields
        if found.entry is None:
            doubtful = tuple(k for k in found.keys if not fields[k].read_sure)
            if found.candidates:
                # Several doctors fit equally: a person must tell which (by code or ID number).
                decided = verdict or Verdict.NEEDS_REVIEW
            elif not _lookup_possible(fields):
                decided = verdict or Verdict.NEEDS_REVIEW
                doubtful = doubtful or _lookup_fields_missing(fields)
            elif _surely_missed(fields, found.keys):
                # A lookup on surely read keys found nobody: a doubtful other key cannot explain it.
                decided, doubtful = verdict or Verdict.NOT_FOUND, ()
            else:
                decided = verdict or (Verdict.NEEDS_REVIEW if doubtful else Verdict.NOT_FOUND)
            return _replace(base, decided, candidates=found.candidates, doubtful=doubtful)
        entry = found.entry
        # A match on the code alone rests on reading the code right; the others on equal keys.
        match_sure = found.matched_by is not MatchedBy.CODE or fields[FieldKey.CERTIFICATE_CODE].read_sure
        differences: list[Difference] = []
        unread: list[FieldKey] = []
        misread = _misread(base.record)
        other_site = False
        for key in FIELD_ORDER:
            theirs = entry.value(key)
            ours = fields[key].value
            if theirs is None or (key is FieldKey.PRACTICE_PLACE and not view.compare_place):
                continue
            if ours is None:
                if key is not FieldKey.QUALIFICATION_CODE:  # compared only when both sides hold it
                    unread.append(key)
                continue
            if key is FieldKey.INSTITUTION:
                agree, other_site = self._same_institution(fields[key], entry)
            elif key is FieldKey.NAME:
                codes = _tried(fields, view, FieldKey.CERTIFICATE_CODE)
                agree = _same_person_name(_name_forms(fields[key]), entry, fields, codes)
            elif key is FieldKey.PRACTICE_PLACE:
                agree = self._same_place(fields, theirs)
            elif key is FieldKey.AUTHORITY:
                # A registration moved by a change sits with the authority that approved it.
                agree = _any_agrees(_same_authority, _authorities(base.record, ours), theirs)
            elif key is FieldKey.ISSUE_DATE:
                agree = _any_agrees(_same_text, _issue_dates(base.record, ours), theirs)
            else:
                agree = _COMPARE.get(key, _same_text)(ours, theirs)
            change = view.change_of(key) if key in CURRENT_KEYS else None
            if agree is True and key not in view.undecided:
                continue
            kind = _kind(key, found.matched_by, ours, theirs)
            # The registry surely holds what the field was before a change: it has not caught up,
            # however surely the current value compares with it (an institution of another province).
            lag = key in CURRENT_KEYS and self._lags(view, key, entry)
            if lag:
                kind = Kind.REGISTRY_LAG
            from_change = change is not None or key in view.doubtful or key in view.undecided
            readable = (fields[key].read_sure and key not in misread and key not in view.doubtful) or (
                not from_change and _beyond_doubt(key, fields[key], entry)
            )
            sure = (agree is False or lag) and match_sure and readable and key not in view.undecided
            differences.append(Difference(key, ours, theirs, kind, sure, change))
        doubtful = tuple(d.field for d in differences if not d.sure)
        if verdict is None:
            if any(d.sure for d in differences):
                verdict = Verdict.MISMATCH
            elif differences or unread:
                verdict = Verdict.NEEDS_REVIEW
                doubtful = doubtful + tuple(unread)
            else:
                verdict = Verdict.CONSISTENT
        deciding = set(doubtful)
        in_doubt = tuple(i for i in view.doubtful_changes if deciding & _set_by(base.record, view, i))
        return _replace(
            base,
            verdict,
            entry=entry,
            matched_by=found.matched_by,
            differences=tuple(differences),
            doubtful=doubtful,
            elsewhere=found.elsewhere,
            other_site=other_site,
            doubtful_changes=in_doubt if verdict is Verdict.NEEDS_REVIEW else (),
        )

    def _same_place(self, fields: dict[FieldKey, FieldResult], theirs: str) -> bool | None:
        """Whether the practice places agree. A registry whose 执业地点 names an institution (as
        registration exports may: the place one is registered at) is compared with the institution;
        a certificate place that names an institution (a layout misread) decides nothing."""
        ours = fields[FieldKey.PRACTICE_PLACE].value or ""
        if self._names_institution(theirs):
            institution = fields.get(FieldKey.INSTITUTION)
            texts = [v for v in (institution.value, institution.raw) if v] if institution else []
            answers = [self.matcher.same_institution(t, theirs) for t in texts]
            if True in answers:
                return True
            return False if answers and all(a is False for a in answers) else None
        if self._names_institution(ours):
            return None
        return _same_text(ours, theirs)

    def _names_institution(self, text: str) -> bool:
        """Whether a text names an institution rather than a place (重庆市, 四川省)."""
        return _INSTITUTION_WORD.search(text) is not None or self.matcher.match(text).match is not None

    def _lags(self, view: BookletView, key: FieldKey, entry: RegistryEntry) -> bool:
        """Whether the registry holds a value the field had before its newest change: the registry
        has not caught up with the change record."""
        steps = view.history.get(key, ())
        if len(steps) < 2 or steps[-1].change is None:
            return False
        theirs = entry.value(key)
        for step in steps[:-1]:
            if key is FieldKey.INSTITUTION:
                same: bool | None = any(
                    self.matcher.same_institution(step.value, s) for s in entry.institutions
                )
            else:
                same = _COMPARE.get(key, _same_text)(step.value, theirs or "")
            if same is True:
                return True
        return False

    def _same_institution(self, field: FieldResult, entry: RegistryEntry) -> tuple[bool | None, bool]:
        """Whether the certificate's institution is one of the doctor's registered sites (and whether
        it is a further site rather than the main one); None when a name cannot be surely matched."""
        ours = [v for v in (field.value, field.raw) if v]
        answers: list[bool | None] = []
        for position, site in enumerate(entry.institutions):
            same = max(
                (_rank(self.matcher.same_institution(text, site)) for text in ours), default=_rank(None)
            )
            if same == _rank(True):
                return True, position > 0
            answers.append(None if same == _rank(None) else False)
        if answers and all(a is False for a in answers):
            return False, False
        return None, False


@dataclass(frozen=True)
class _Found:
    """What the lookup found: one entry, candidates, and the fields it used as keys."""

    entry: RegistryEntry | None = None
    matched_by: MatchedBy | None = None
    candidates: tuple[RegistryEntry, ...] = ()
    keys: tuple[FieldKey, ...] = ()
    elsewhere: tuple[RegistryEntry, ...] = ()


def _replace(base: Verification, verdict: Verdict, **changes: Any) -> Verification:
    return replace(base, verdict=verdict, **changes)


def _name_forms(field: FieldResult) -> tuple[str, ...]:
    """The name as read and as printed: extraction reads traditional forms as simplified (昇 → 升),
    but a name may really hold the traditional-looking character, as the raw text shows."""
    forms = [name_key(v) for v in (field.value, field.raw) if v]
    return tuple(dict.fromkeys(f for f in forms if f))


def _same_person_name(
    names: tuple[str, ...],
    entry: RegistryEntry,
    fields: dict[FieldKey, FieldResult],
    codes: tuple[str, ...] | None = None,
) -> bool:
    """Whether the registry's name is the certificate's: equal, or equal but for the '·' of a
    transliterated name (古丽娜艾力, 古丽娜·艾力) when the rest agrees too: the certificate code (one
    of `codes`, by default the code read) and either the ID number or the birth date. A name alone
    never makes two people one."""
    theirs = name_key(entry.name)
    if theirs in names:
        return True
    if _dotless(theirs) not in {_dotless(n) for n in names}:
        return False
    code = _value(fields, FieldKey.CERTIFICATE_CODE)
    if codes is None:
        codes = (code,) if code else ()
    if entry.certificate_code not in codes:
        return False
    pairs = ((FieldKey.ID_NUMBER, entry.id_number), (FieldKey.BIRTH_DATE, entry.birth_date))
    return any(
        (ours := _value(fields, key)) is not None
        and theirs_value is not None
        and _same_text(ours, theirs_value)
        for key, theirs_value in pairs
    )


def _tried(fields: dict[FieldKey, FieldResult], view: BookletView, key: FieldKey) -> tuple[str, ...]:
    """The values a lookup tries for `key`: the current one, then the printed one."""
    values = (_value(fields, key), view.printed[key].value)
    return tuple(dict.fromkeys(v for v in values if v))


def _authorities(record: CertificateRecord, printed: str) -> tuple[str, ...]:
    """The issuer printed on the certificate, then the authorities that approved its changes, newest
    first: a registration moved by a change sits with the authority that approved it."""
    changes = record.changes
    approved = [changes[i].authority for i in reversed(change_order(changes))]
    return tuple(dict.fromkeys(a for a in (printed, *approved) if a))


def _issue_dates(record: CertificateRecord, printed: str) -> tuple[str, ...]:
    """The printed issue date, and the date of each change that gave the booklet a new code (the
    registry may date the certificate from it)."""
    dates = [c.date for c in record.changes if c.new_code and c.date]
    return tuple(dict.fromkeys((printed, *dates)))


def _any_agrees(same: Callable[[str, str], bool | None], ours: tuple[str, ...], theirs: str) -> bool | None:
    """True when any of our values agrees with the registry's; else None when any comparison is
    unsure, else False."""
    answers = [same(o, theirs) for o in ours]
    if True in answers:
        return True
    return None if None in answers else False


def _set_by(record: CertificateRecord, view: BookletView, index: int) -> frozenset[FieldKey]:
    """The fields change block `index` may set (all current ones when its item is unknown)."""
    keys = set(keys_set_by(record.changes[index], view.old)) or set(CURRENT_KEYS)
    if record.changes[index].new_code:
        keys.add(FieldKey.CERTIFICATE_CODE)
    return frozenset(keys)


def _misread(record: CertificateRecord) -> frozenset[FieldKey]:
    """Fields a failed MISREAD_CHECKS check says were read from the wrong place."""
    return frozenset(k for c in record.checks if not c.ok and c.check in MISREAD_CHECKS for k in c.fields)


def _rank(answer: bool | None) -> int:
    return {False: 0, None: 1, True: 2}[answer]


def _value(fields: dict[FieldKey, FieldResult], key: FieldKey) -> str | None:
    return fields[key].value if key in fields else None


def _all_sure(fields: dict[FieldKey, FieldResult], keys: tuple[FieldKey, ...]) -> bool:
    return bool(keys) and all(k in fields and fields[k].read_sure for k in keys)


def _surely_missed(fields: dict[FieldKey, FieldResult], tried: tuple[FieldKey, ...]) -> bool:
    """Whether a lookup by name with certificate code, or by name with ID number, used only surely read
    values (and so would have found the doctor were they registered under them)."""
    if FieldKey.NAME not in tried or not fields[FieldKey.NAME].read_sure:
        return False
    keys = (FieldKey.CERTIFICATE_CODE, FieldKey.ID_NUMBER)
    return any(k in tried and fields[k].read_sure for k in keys)


# Free text where a doubtful reading is off by a character or two, never by most of the name.
_TEXT_FIELDS = frozenset(
    {FieldKey.NAME, FieldKey.SCOPE, FieldKey.PRACTICE_PLACE, FieldKey.INSTITUTION, FieldKey.AUTHORITY}
)


def _beyond_doubt(key: FieldKey, field: FieldResult, entry: RegistryEntry) -> bool:
    """Whether a doubtful reading differs from the registry too much for OCR doubt to explain:
    a low-confidence read misses a character or two, not three and nearly half the text (a doctor
    who moved to another hospital). Cut-short, repaired or missing readings never qualify."""
    if key not in _TEXT_FIELDS or field.value is None:
        return False
    if any(f in (Flag.INCOMPLETE, Flag.REPAIRED, Flag.MISSING) for f in field.flags):
        return False
    theirs = entry.institutions if key is FieldKey.INSTITUTION else (entry.value(key) or "",)
    ours = [v for v in (field.value, field.raw) if v]
    return all(
        (d := Levenshtein.distance(a, b)) >= 3 and d >= 0.4 * max(len(a), len(b))
        for a in ours
        for b in theirs
    )


def _lookup_possible(fields: dict[FieldKey, FieldResult]) -> bool:
    """A name plus at least one of code, ID number or institution: never a name alone."""
    keys = (FieldKey.CERTIFICATE_CODE, FieldKey.ID_NUMBER, FieldKey.INSTITUTION)
    return bool(_value(fields, FieldKey.NAME)) and any(_value(fields, k) for k in keys)


def _lookup_fields_missing(fields: dict[FieldKey, FieldResult]) -> tuple[FieldKey, ...]:
    keys = (FieldKey.NAME, FieldKey.CERTIFICATE_CODE, FieldKey.ID_NUMBER, FieldKey.INSTITUTION)
    return tuple(k for k in keys if not _value(fields, k))


def _squash(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("重庆市", "重庆").upper()


def _same_text(ours: str, theirs: str) -> bool:
    return _squash(ours) == _squash(theirs)


def _same_vocab(normalize: Callable[[str], Any]) -> Callable[[str, str], bool]:
    official = lru_cache(maxsize=256)(lambda text: normalize(text).value)

    def same(ours: str, theirs: str) -> bool:
        return bool(official(ours) == official(theirs))

    return same


def _same_scope(ours: str, theirs: str) -> bool:
    return _scopes(ours) == _scopes(theirs)


@lru_cache(maxsize=4096)
def _scopes(text: str) -> frozenset[str]:
    return frozenset(split_scopes(normalize_scope(text).value))


@lru_cache(maxsize=4096)
def _issuer(text: str) -> str | None:
    """The issuer's current name (None when unsure); a few dozen issuers, so each is worked out once."""
    return normalize_authority(text).match


def _same_authority(ours: str, theirs: str) -> bool | None:
    a, b = _issuer(ours), _issuer(theirs)
    if a is not None and b is not None:
        return a == b
    return True if clean(ours) == clean(theirs) else None


_COMPARE: dict[FieldKey, Callable[[str, str], bool | None]] = {
    FieldKey.LEVEL: _same_vocab(normalize_level),
    FieldKey.CATEGORY: _same_vocab(normalize_category),
    FieldKey.SCOPE: _same_scope,
    FieldKey.AUTHORITY: _same_authority,
}


def _kind(key: FieldKey, matched_by: MatchedBy | None, ours: str, theirs: str) -> Kind:
    if key in (FieldKey.NAME, FieldKey.ID_NUMBER):
        return Kind.IDENTITY_UNDER_CODE if matched_by is MatchedBy.CODE else Kind.PERSONAL
    if key is FieldKey.SCOPE:
        return Kind.SCOPE_WIDER if _scopes(ours) - _scopes(theirs) else Kind.SCOPE_NARROWER
    return {
        FieldKey.SEX: Kind.PERSONAL,
        FieldKey.BIRTH_DATE: Kind.PERSONAL,
        FieldKey.CERTIFICATE_CODE: Kind.CODE,
        FieldKey.INSTITUTION: Kind.INSTITUTION,
        FieldKey.LEVEL: Kind.LEVEL,
        FieldKey.CATEGORY: Kind.CATEGORY,
        FieldKey.PRACTICE_PLACE: Kind.PLACE,
        FieldKey.AUTHORITY: Kind.AUTHORITY,
        FieldKey.ISSUE_DATE: Kind.ISSUE_DATE,
        FieldKey.QUALIFICATION_CODE: Kind.QUALIFICATION_CODE,
    }.get(key, Kind.OTHER)
