"""The embedded registry: one SQLite file with indexes for the three lookups verification makes."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..fields import CERTIFICATE_FIELDS, FieldKey
from .base import RegistryEntry, RegistryError, RegistryStats

SCHEMA_VERSION = "2"
# Version 1 kept doctors in a table clustered on the certificate code; version 2 appends them to a
# plain table with a unique index on the code, several times cheaper to fill. Queries are the same.
READABLE_VERSIONS = ("1", SCHEMA_VERSION)

# The lookups by name + ID number and by name + institution: index name and columns.
_DOCTOR_INDEXES = {"doctors_name_id": "name, id_number", "doctors_name_institution": "name, institution"}
_CREATE_INDEXES = tuple(
    f"CREATE INDEX IF NOT EXISTS {index} ON doctors ({columns})" for index, columns in _DOCTOR_INDEXES.items()
)
_INDEXES_SQL = ";\n".join(_CREATE_INDEXES)

# Who replaced whom under a certificate code (`certscan registry import --replace`), and when: a
# code never changes hands silently. Added to registries made before it when opened for writing.
_REPLACEMENTS_SQL = """CREATE TABLE IF NOT EXISTS replacements (
    certificate_code TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    old_name TEXT, old_id_number TEXT, old_source TEXT,
    new_name TEXT, new_id_number TEXT, new_source TEXT
)"""

# Doctors keyed by certificate code, with their main institution; further registered sites
# (多机构备案) in a table of their own so one doctor may practise at several institutions.
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE doctors (
    certificate_code TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT, birth_date TEXT, id_number TEXT, level TEXT, category TEXT, scope TEXT,
    practice_place TEXT, institution TEXT, authority TEXT, issue_date TEXT, source TEXT,
    qualification_code TEXT
);
CREATE UNIQUE INDEX doctors_code ON doctors (certificate_code);
{_INDEXES_SQL};
CREATE TABLE sites (
    certificate_code TEXT NOT NULL,
    institution TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (certificate_code, institution)
) WITHOUT ROWID;
CREATE INDEX sites_institution ON sites (institution);
{_REPLACEMENTS_SQL};
"""

# The doctors table's columns, in the order rows are written and read: the key, the other
# certificate fields in canonical order, the 医师资格证书 code, and where the row came from.
COLUMNS = (
    "certificate_code",
    *(str(k) for k in CERTIFICATE_FIELDS if k is not FieldKey.CERTIFICATE_CODE),
    str(FieldKey.QUALIFICATION_CODE),
    "source",
)
# Columns added after registries were first made: a file without one reads it as null, and gets it
# when opened for writing (`certscan registry import`).
_ADDED_COLUMNS = (str(FieldKey.QUALIFICATION_CODE),)
_SELECT = "SELECT " + ", ".join(f"d.{c}" for c in COLUMNS) + " FROM doctors d"
_UPSERT = (
    f"INSERT INTO doctors ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (certificate_code) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
)
Row = tuple[str | None, ...]


@dataclass(frozen=True)
class Replacement:
    """A certificate code given to another person on purpose (`--replace`): who held it, who holds
    it now, where each row came from, and when (UTC, ISO 8601)."""

    certificate_code: str
    replaced_at: str
    old_name: str | None
    old_id_number: str | None
    old_source: str | None
    new_name: str | None
    new_id_number: str | None
    new_source: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate_code": self.certificate_code,
            "replaced_at": self.replaced_at,
            "old": {"name": self.old_name, "id_number": self.old_id_number, "source": self.old_source},
            "new": {"name": self.new_name, "id_number": self.new_id_number, "source": self.new_source},
        }


class SqliteRegistry:
    """A registry in one SQLite file. Opening never creates a file unless asked (`create`)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._has_sites: bool | None = None
        held = {row[1] for row in connection.execute("PRAGMA table_info(doctors)")}
        lacking = [c for c in _ADDED_COLUMNS if c not in held]
        self._select = _SELECT
        if lacking:
            # A registry made before these columns (opened read-only): they read as unknown.
            shown = ", ".join(f"NULL AS {c}" if c in lacking else f"d.{c}" for c in COLUMNS)
            self._select = f"SELECT {shown} FROM doctors d"

    @classmethod
    def open_existing(cls, path: Path) -> SqliteRegistry:
        """Open a registry file made by `certscan registry import` for reading; RegistryError if
        there is none.

        An import killed halfway leaves a rollback journal beside the file that a read-only
        connection may not roll back: the file is then opened for writing once, which rolls the
        unfinished import back (as the next import would), and read as it was before it."""
        if path.is_dir():
            raise RegistryError(
                f"{path} is a folder, not a registry file.", f"{path}是一个文件夹，不是登记库文件。"
            )
        if not path.is_file():
            raise RegistryError(
                f"no registry at {path}; create one with `certscan registry import FILE.csv --db {path}`.",
                f"{path}处没有登记库；请先用 `certscan registry import 文件.csv --db {path}` 建立。",
            )
        try:
            return cls(path, _readable(_connect_read_only(path), path))
        except sqlite3.DatabaseError:
            raise _not_a_registry(path) from None

    @classmethod
    def create(cls, path: Path) -> SqliteRegistry:
        """Open a registry file for writing, creating it (and its folder) when it does not exist.

        A new file is made complete (schema and version) under a temporary name and then renamed
        into place, so a process killed while making it leaves no file or an empty registry, never
        a file that reads as "not a registry"."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise RegistryError(
                f"{path} is a folder, not a registry file.", f"{path}是一个文件夹，不是登记库文件。"
            )
        if not path.exists():
            _create_empty(path)
        try:
            db = sqlite3.connect(path)
        except sqlite3.DatabaseError:
            raise _not_a_registry(path) from None
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            # Imports write rows in random key order: a large page cache keeps the B-trees in memory.
            db.execute("PRAGMA cache_size = -262144")
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:  # an empty file someone made: make it a registry
                _write_schema(db)
            elif "meta" in tables:
                if "replacements" not in tables:
                    db.execute(_REPLACEMENTS_SQL)
                if "doctors" in tables:
                    held = {row[1] for row in db.execute("PRAGMA table_info(doctors)")}
                    for column in _ADDED_COLUMNS:
                        if column not in held:
                            db.execute(f"ALTER TABLE doctors ADD COLUMN {column} TEXT")
                db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise _not_a_registry(path) from None
        return cls(path, _readable(db, path))

    # -- writing -------------------------------------------------------------------------------

    def count(self) -> int:
        """How many doctors the registry holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM doctors").fetchone()[0])

    def upsert(self, entries: Sequence[RegistryEntry]) -> None:
        """Insert entries or replace those with the same certificate code, sites included."""
        self.upsert_rows(
            [tuple(getattr(e, c) for c in COLUMNS) for e in entries],
            {e.certificate_code: e.other_institutions for e in entries},
        )

    def upsert_rows(self, rows: Sequence[Row], further: Mapping[str, Sequence[str]]) -> None:
        """Insert rows (values in COLUMNS order) or replace those with the same certificate code;
        `further` gives each code's further sites, replacing any it had."""
        # In key order, so the writes land on neighbouring pages of the code index's B-tree.
        self._db.executemany(_UPSERT, sorted(rows, key=itemgetter(0)))
        if self._has_sites is None:
            self._has_sites = self._db.execute("SELECT 1 FROM sites LIMIT 1").fetchone() is not None
        if self._has_sites:
            # Replacing a doctor replaces their sites; a registry without any skips the probes.
            self._db.executemany("DELETE FROM sites WHERE certificate_code = ?", [(r[0],) for r in rows])
        sites = [(code, inst, pos) for code, insts in further.items() for pos, inst in enumerate(insts, 1)]
        if sites:
            self._db.executemany("INSERT OR IGNORE INTO sites VALUES (?, ?, ?)", sites)
            self._has_sites = True

    def add_sites(self, sites: Iterable[tuple[str, str]]) -> None:
        """Register further institutions (code, institution) after the ones a doctor already has;
        the doctor's main institution is not repeated."""
        self._db.executemany(
            "INSERT OR IGNORE INTO sites (certificate_code, institution, position) "
            "SELECT ?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sites WHERE certificate_code = ?1) "
            "WHERE NOT EXISTS (SELECT 1 FROM doctors WHERE certificate_code = ?1 AND institution = ?2)",
            list(sites),
        )
        self._has_sites = True

    def other_holders(self, people: Iterable[tuple[str, str | None, str | None]]) -> dict[str, Row]:
        """For (certificate code, name, ID number) triples, who holds each code in the registry when
        that is another person (name, ID number, source, by code). Another person: another ID
        number when both have one, else another name (as `importer.same_person`)."""
        db = self._db
        db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (certificate_code TEXT, name TEXT, id_number TEXT)"
        )
        db.execute("DELETE FROM incoming")
        db.executemany("INSERT INTO incoming VALUES (?, ?, ?)", people)
        found = db.execute(
            "SELECT i.certificate_code, d.name, NULLIF(d.id_number, ''), d.source FROM incoming i "
            "JOIN doctors d ON d.certificate_code = i.certificate_code WHERE CASE "
            "WHEN COALESCE(d.id_number, '') != '' AND COALESCE(i.id_number, '') != '' "
            "THEN d.id_number != i.id_number ELSE d.name != i.name END"
        ).fetchall()
        db.execute("DELETE FROM incoming")
        return {code: (name, id_number, source) for code, name, id_number, source in found}

    def record_replacements(self, replacements: Sequence[Replacement]) -> None:
        """Keep who replaced whom under which certificate code, and when."""
        self._db.executemany(
            "INSERT INTO replacements (certificate_code, replaced_at, old_name, old_id_number, old_source, "
            "new_name, new_id_number, new_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [astuple(r) for r in replacements],
        )

    def replacements(self) -> list[Replacement]:
        """Every replacement recorded, oldest first (none in a registry made before they were)."""
        try:
            rows = self._db.execute(
                "SELECT certificate_code, replaced_at, old_name, old_id_number, old_source, new_name, "
                "new_id_number, new_source FROM replacements ORDER BY rowid"
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [Replacement(*row) for row in rows]

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """One transaction for many writes, committed at the end and rolled back on any error.

        Into an empty registry (a first import) the lookup indexes are built once at the end from
        the sorted rows rather than updated row by row, and the transaction goes through a rollback
        journal rather than the write-ahead log, which would write every page twice: several times
        faster for a large roster.
        """
        db = self._db
        if db.in_transaction:
            db.commit()
        fresh = self.count() == 0
        if fresh:
            db.execute("PRAGMA journal_mode = DELETE")  # stays WAL while another connection reads
        db.execute("BEGIN")
        try:
            if fresh:
                for index in _DOCTOR_INDEXES:
                    db.execute(f"DROP INDEX IF EXISTS {index}")
            yield
            if fresh:
                for sql in _CREATE_INDEXES:
                    db.execute(sql)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            if fresh:
                db.execute("PRAGMA journal_mode = WAL")

    def commit(self) -> None:
        """Make the writes so far durable."""
        self._db.commit()

    # -- lookups -------------------------------------------------------------------------------

    def by_code(self, certificate_code: str) -> list[RegistryEntry]:
        """Entries holding this certificate code (at most one: the code is the key)."""
        return self._entries(self._select + " WHERE d.certificate_code = ?", (certificate_code,))

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        """Entries of this name and ID number."""
        return self._entries(self._select + " WHERE d.name = ? AND d.id_number = ?", (name, id_number))

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        """Entries of this name registered at this institution, main or further site."""
        # Main institutions are indexed with the name; further sites (rare) by institution.
        sql = (
            self._select
            + " WHERE d.name = ?1 AND d.institution = ?2 UNION "
            + self._select
            + " JOIN sites s ON s.certificate_code = d.certificate_code"
            " WHERE s.institution = ?2 AND d.name = ?1"
        )
        return self._entries(sql, (name, institution))

    def _entries(self, sql: str, args: tuple[str, ...]) -> list[RegistryEntry]:
        entries = []
        for row in self._db.execute(sql, args).fetchall():
            # A blank value (written by imports before blanks were stored as null) is not known.
            values: dict[str, Any] = {c: v if v != "" else None for c, v in zip(COLUMNS, row, strict=True)}
            further = self._db.execute(
                "SELECT institution FROM sites WHERE certificate_code = ? ORDER BY position",
                (values["certificate_code"],),
            )
            entries.append(RegistryEntry(**values, other_institutions=tuple(s for (s,) in further)))
        return entries

    def stats(self) -> RegistryStats:
        """Counts of doctors and sites, by category and level."""

        def grouped(column: str) -> dict[str, int]:
            sql = f"SELECT COALESCE({column}, ''), COUNT(*) FROM doctors GROUP BY 1 ORDER BY 2 DESC"
            return {k or "—": int(n) for k, n in self._db.execute(sql)}

        return RegistryStats(
            doctors=self.count(),
            sites=int(self._db.execute("SELECT COUNT(institution) FROM doctors").fetchone()[0])
            + int(self._db.execute("SELECT COUNT(*) FROM sites").fetchone()[0]),
            by_category=grouped("category"),
            by_level=grouped("level"),
            location=str(self.path),
        )

    def describe(self) -> str:
        """The file the registry lives in."""
        return str(self.path)

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def _readable(db: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """`db` when it holds a certscan registry of a version this certscan reads; closed and
    RegistryError otherwise."""
    try:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise _not_a_registry(path) from None
    if not version or version[0] not in READABLE_VERSIONS:
        db.close()
        raise RegistryError(
            f"{path} is not a certscan registry of a version this certscan reads.",
            f"{path}不是本版certscan能读取的登记库版本。",
        )
    return db


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that sees the last committed state, even after a killed import."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        if not Path(f"{path}-journal").exists():
            raise
    # A hot journal: only a writer may roll it back. Reading once through one does.
    try:
        writer = sqlite3.connect(path)
        writer.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        writer.close()
    except sqlite3.OperationalError:
        raise RegistryError(
            f"the registry {path} holds an unfinished import that only someone allowed to write the file "
            "can roll back; run `certscan registry import` on it again.",
            f"登记库{path}中有一次未完成的导入，需由有写权限的用户回滚；"
            "请再次运行 `certscan registry import`。",
        ) from None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _write_schema(db: sqlite3.Connection) -> None:
    db.executescript(_SCHEMA)
    db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    db.commit()


def _create_empty(path: Path) -> None:
    """An empty registry at `path`, made whole under a temporary name and renamed into place."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(temporary)
        try:
            _write_schema(db)
        finally:
            db.close()
        with open(temporary, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _not_a_registry(path: Path) -> RegistryError:
    return RegistryError(
        f"{path} is not a certscan registry (not a SQLite file made by it).",
        f"{path}不是certscan登记库（不是由它建立的SQLite文件）。",
    )
