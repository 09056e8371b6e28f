"""The embedded registry: one SQLite file with indexes for the three lookups verification makes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from ..fields import FIELD_ORDER, FieldKey
from . import RegistryEntry, RegistryError, RegistryStats

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

# Doctors keyed by certificate code, with their main institution; further registered sites
# (多机构备案) in a table of their own so one doctor may practise at several institutions.
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE doctors (
    certificate_code TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT, birth_date TEXT, id_number TEXT, level TEXT, category TEXT, scope TEXT,
    practice_place TEXT, institution TEXT, authority TEXT, issue_date TEXT, source TEXT
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
"""

# The doctors table's columns, in the order rows are written and read: the key, the other
# certificate fields in canonical order, and where the row came from.
COLUMNS = ("certificate_code", *(str(k) for k in FIELD_ORDER if k is not FieldKey.CERTIFICATE_CODE), "source")
_SELECT = "SELECT " + ", ".join(f"d.{c}" for c in COLUMNS) + " FROM doctors d"
_UPSERT = (
    f"INSERT INTO doctors ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (certificate_code) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
)
Row = tuple[str | None, ...]


class SqliteRegistry:
    """A registry in one SQLite file. Opening never creates a file unless asked (`create`)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._has_sites: bool | None = None

    @classmethod
    def open_existing(cls, path: Path) -> SqliteRegistry:
        """Open a registry file made by `certscan registry import`; RegistryError if there is none."""
        if not path.is_file():
            raise RegistryError(
                f"no registry at {path}; create one with `certscan registry import FILE.csv --db {path}`."
            )
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.DatabaseError:
            raise _not_a_registry(path) from None
        return cls(path, _readable(db, path))

    @classmethod
    def create(cls, path: Path) -> SqliteRegistry:
        """Open a registry file for writing, creating it (and its folder) when it does not exist."""
        path.parent.mkdir(parents=True, exist_ok=True)
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
            if not tables:
                db.executescript(_SCHEMA)
                db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
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
        return self._entries(_SELECT + " WHERE d.certificate_code = ?", (certificate_code,))

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        """Entries of this name and ID number."""
        return self._entries(_SELECT + " WHERE d.name = ? AND d.id_number = ?", (name, id_number))

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        """Entries of this name registered at this institution, main or further site."""
        # Main institutions are indexed with the name; further sites (rare) by institution.
        sql = (
            _SELECT
            + " WHERE d.name = ?1 AND d.institution = ?2 UNION "
            + _SELECT
            + " JOIN sites s ON s.certificate_code = d.certificate_code"
            " WHERE s.institution = ?2 AND d.name = ?1"
        )
        return self._entries(sql, (name, institution))

    def _entries(self, sql: str, args: tuple[str, ...]) -> list[RegistryEntry]:
        entries = []
        for row in self._db.execute(sql, args).fetchall():
            values = dict(zip(COLUMNS, row, strict=True))
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
        raise RegistryError(f"{path} is not a certscan registry of a version this certscan reads.")
    return db


def _not_a_registry(path: Path) -> RegistryError:
    return RegistryError(f"{path} is not a certscan registry (not a SQLite file made by it).")
