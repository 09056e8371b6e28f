"""The SQLite registry and the roster importer: headers, bad rows, upserts, sites and lookups."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from helpers import make_id

from scanner.errors import InputError
from scanner.registry import RegistryError, open_registry, table
from scanner.registry.importer import import_csv, parse_date
from scanner.registry.sqlite import SqliteRegistry

HEADER = [
    "name", "sex", "birth_date", "id_number", "level", "category", "scope", "practice_place",
    "institution", "authority", "issue_date", "certificate_code",
]  # fmt: skip
ZHANG_ID = make_id("500103", "19870312", "041")
LI_ID = make_id("510202", "19750814", "751")
QIAN_ID = make_id("500103", "19900101", "013")
BAD_ID = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")


def zhang(**changes: str) -> dict[str, str]:
    row = {
        "name": "张三",
        "sex": "男",
        "birth_date": "1987-03-12",
        "id_number": ZHANG_ID,
        "level": "执业医师",
        "category": "临床",
        "scope": "内科专业",
        "practice_place": "重庆市",
        "institution": "重庆医科大学附属第一医院",
        "authority": "重庆市渝中区卫生健康委员会",
        "issue_date": "2015-06-01",
        "certificate_code": "110500012345678",
    }
    return {**row, **changes}


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None, **kw) -> Path:
    header = header or list(rows[0])
    with path.open("w", encoding=kw.get("encoding", "utf-8"), newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in (kw.get("keys") or header)])
    return path


@pytest.fixture
def store(tmp_path: Path):
    registry = SqliteRegistry.create(tmp_path / "registry.db")
    yield registry
    registry.close()


def test_import_with_canonical_header_and_lookups(tmp_path, store):
    li = zhang(name="李四", id_number=LI_ID, certificate_code="215001098582736", sex="男",
               birth_date="1975-08-14", institution="重庆市人民医院")  # fmt: skip
    report = import_csv(write_csv(tmp_path / "r.csv", [zhang(), li]), store)
    assert (report.rows, report.added, report.updated, report.rejected) == (2, 2, 0, [])
    [entry] = store.by_code("110500012345678")
    assert entry.name == "张三" and entry.id_number == ZHANG_ID and entry.scope == "内科专业"
    assert entry.source == "r.csv:2"
    assert [e.certificate_code for e in store.by_name_and_id("李四", LI_ID)] == ["215001098582736"]
    found = store.by_name_and_institution("张三", "重庆医科大学附属第一医院")
    assert [e.certificate_code for e in found] == ["110500012345678"]
    assert store.by_name_and_institution("张三", "重庆市人民医院") == []
    assert store.by_code("999999999999999") == []


def test_chinese_headers_gb18030_and_roster_date_formats_are_read(tmp_path, store):
    labels = ["姓名", "性别", "出生日期", "身份证号码", "医师级别", "执业类别", "执业范围", "执业地点",
              "主要执业机构", "发证机关", "发证日期", "证书编码", "备注"]  # fmt: skip
    row = zhang(birth_date="1987/3/12", issue_date="2015年6月1日")
    path = write_csv(tmp_path / "zh.csv", [row], header=labels, keys=[*HEADER, "x"], encoding="gb18030")
    report = import_csv(path, store)
    assert report.rejected == [] and report.ignored_columns == ["备注"]
    [entry] = store.by_code("110500012345678")
    assert (entry.birth_date, entry.issue_date, entry.name) == ("1987-03-12", "2015-06-01", "张三")


def test_short_institution_names_are_stored_under_the_official_name(tmp_path, store):
    import_csv(write_csv(tmp_path / "r.csv", [zhang(institution="重医附一院")]), store)
    [entry] = store.by_code("110500012345678")
    assert entry.institution == "重庆医科大学附属第一医院"


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_kept(tmp_path, store):
    rows = [
        zhang(),
        zhang(certificate_code="12345", name="王五"),
        zhang(certificate_code="1.10500E+14", name="赵六"),
        zhang(certificate_code="110500012340000", id_number=BAD_ID),
        zhang(certificate_code="110500012340001", level="主任医师"),
        zhang(certificate_code="110500012340002", birth_date="1987-02-30"),
        zhang(certificate_code="110500012340003", name=""),
        zhang(name="冒名", id_number=LI_ID),  # the code of line 2 under another person
        zhang(certificate_code="110500012340004", sex="未知"),
        zhang(certificate_code="110500012340005", name="钱七", id_number=QIAN_ID),
    ]  # fmt: skip
    report = import_csv(write_csv(tmp_path / "r.csv", rows), store)
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "not 15 digits" in reasons[3]
    assert "rounded by a spreadsheet" in reasons[4]
    assert "check digit" in reasons[5] and ZHANG_ID not in reasons[5]  # masked in the reason
    assert "not an allowed value" in reasons[6]
    assert "not a date" in reasons[7]
    assert reasons[8] == "no name"
    assert "already used on line 2 by another person" in reasons[9]
    assert "not 男 or 女" in reasons[10]
    assert all(r.reason_zh for r in report.rejected)
    assert report.added == 2 and store.count() == 2
    assert store.by_code("110500012345678")[0].name == "张三"


def test_reimport_updates_instead_of_duplicating(tmp_path, store):
    import_csv(write_csv(tmp_path / "a.csv", [zhang()]), store)
    report = import_csv(write_csv(tmp_path / "b.csv", [zhang(institution="重庆市人民医院")]), store)
    assert (report.added, report.updated) == (0, 1)
    [entry] = store.by_code("110500012345678")
    assert entry.institutions == ("重庆市人民医院",)
    assert store.by_name_and_institution("张三", "重庆医科大学附属第一医院") == []


def test_several_rows_of_one_doctor_are_several_sites(tmp_path, store):
    rows = [
        {**zhang(), "other_institutions": ""},
        {**zhang(institution="重庆市人民医院"), "other_institutions": "重庆市急救医疗中心；重医附一院"},
    ]
    report = import_csv(write_csv(tmp_path / "r.csv", rows), store)
    assert report.added == 1 and report.extra_sites == 1 and report.rejected == []
    [entry] = store.by_code("110500012345678")
    assert entry.institution == "重庆医科大学附属第一医院"
    assert entry.other_institutions == ("重庆市人民医院", "重庆市急救医疗中心")
    for site in entry.institutions:
        assert [e.name for e in store.by_name_and_institution("张三", site)] == ["张三"]
    assert store.stats().sites == 3


def test_a_file_without_name_or_code_columns_is_refused_in_one_sentence(tmp_path, store):
    path = write_csv(tmp_path / "r.csv", [{"姓名": "张三", "单位": "x"}])
    with pytest.raises(InputError, match="no certificate_code column"):
        import_csv(path, store)
    with pytest.raises(InputError, match="file not found"):
        import_csv(tmp_path / "missing.csv", store)


def test_opening_a_missing_or_foreign_file_says_what_to_do(tmp_path):
    with pytest.raises(RegistryError, match="certscan registry import"):
        open_registry(tmp_path / "none.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(RegistryError, match="not a certscan registry"):
        open_registry(junk)


def test_stats_count_doctors_by_category_and_level(tmp_path, store):
    rows = [
        zhang(),
        zhang(certificate_code="110500012340009", name="孙八", category="中医", scope="中医专业"),
    ]
    import_csv(write_csv(tmp_path / "r.csv", rows), store)
    stats = store.stats()
    assert (stats.doctors, stats.by_category, stats.by_level) == (2, {"临床": 1, "中医": 1}, {"执业医师": 2})


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2009-09-04", "2009-09-04"), ("2009/9/4", "2009-09-04"), ("2009年9月4日", "2009-09-04"),
     ("20090904", "2009-09-04"), ("2009.09.04", "2009-09-04")],
)  # fmt: skip
def test_roster_dates_are_read_in_the_forms_people_write(text, iso):
    assert parse_date(text) == iso


def test_blank_lines_and_line_breaks_in_cells_keep_line_numbers_right(tmp_path, store):
    path = tmp_path / "r.csv"
    write_csv(path, [zhang(institution="重庆医科大学\n附属第一医院")])  # a quoted cell over two lines
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write("\n,,,\n")  # a blank line and a row of empty cells
        csv.writer(fh).writerow([*zhang(certificate_code="110500012340001", sex="未知").values(), "", ""])
        csv.writer(fh).writerow(list(zhang(certificate_code="110500012340002").values())[:-1])  # no code
    report = import_csv(path, store)
    assert report.rows == 3 and [(r.line, r.reason) for r in report.rejected] == [
        (6, "sex '未知' is not 男 or 女"),
        (7, "no certificate_code"),
    ]
    assert store.by_code("110500012345678")[0].institution == "重庆医科大学附属第一医院"


def test_rows_of_one_code_far_apart_are_sites_or_rejections(tmp_path, store, monkeypatch):
    monkeypatch.setattr(table, "_BATCH", 2)  # the repeats land in later chunks than the first row
    li = zhang(name="李四", id_number=LI_ID, certificate_code="215001098582736", institution="重庆市人民医院")
    rows = [
        zhang(),
        li,
        zhang(institution="重庆市急救医疗中心"),  # the same doctor at a further site
        zhang(name="冒名", id_number=QIAN_ID),  # another person under that code
        li,  # the same row again
    ]
    report = import_csv(write_csv(tmp_path / "r.csv", rows), store)
    assert (report.added, report.extra_sites) == (2, 2)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (5, "certificate code 110500012345678 is already used on line 2 by another person")
    ]
    [entry] = store.by_code("110500012345678")
    assert entry.institutions == ("重庆医科大学附属第一医院", "重庆市急救医疗中心")
    assert store.by_code("215001098582736")[0].institutions == ("重庆市人民医院",)


def test_a_failed_first_import_leaves_an_empty_registry_with_its_indexes(tmp_path, store, monkeypatch):
    monkeypatch.setattr(table, "_BATCH", 1)  # the first row is written before the bad line is met
    path = write_csv(
        tmp_path / "r.csv", [zhang(), zhang(certificate_code="110500012340001", scope="x" * 200_000)]
    )
    with pytest.raises(InputError, match="line 3 has a cell longer than 131072 characters"):
        import_csv(path, store)
    assert store.count() == 0
    indexes = {n for (n,) in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"doctors_name_id", "doctors_name_institution"} <= indexes
    import_csv(write_csv(tmp_path / "ok.csv", [zhang()]), store)
    assert [e.name for e in store.by_name_and_id("张三", ZHANG_ID)] == ["张三"]


def test_a_registry_of_the_first_file_layout_is_read_and_updated(tmp_path):
    # Version 1 clustered doctors on the certificate code; the queries are the same for both.
    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE doctors (certificate_code TEXT PRIMARY KEY, name TEXT NOT NULL, sex TEXT,
            birth_date TEXT, id_number TEXT, level TEXT, category TEXT, scope TEXT, practice_place TEXT,
            institution TEXT, authority TEXT, issue_date TEXT, source TEXT) WITHOUT ROWID;
        CREATE INDEX doctors_name_id ON doctors (name, id_number);
        CREATE INDEX doctors_name_institution ON doctors (name, institution);
        CREATE TABLE sites (certificate_code TEXT NOT NULL, institution TEXT NOT NULL,
            position INTEGER NOT NULL, PRIMARY KEY (certificate_code, institution)) WITHOUT ROWID;
        CREATE INDEX sites_institution ON sites (institution);
        """
    )
    db.close()
    store = SqliteRegistry.create(path)
    import_csv(write_csv(tmp_path / "a.csv", [zhang()]), store)
    report = import_csv(write_csv(tmp_path / "b.csv", [zhang(institution="重庆市人民医院")]), store)
    store.close()
    assert (report.added, report.updated) == (0, 1)
    reader = open_registry(path)
    assert [e.institution for e in reader.by_name_and_id("张三", ZHANG_ID)] == ["重庆市人民医院"]


def test_progress_is_reported_up_to_the_whole_file(tmp_path, store, monkeypatch):
    monkeypatch.setattr(table, "_BATCH", 2)
    rows = [zhang(certificate_code=f"1105000123400{i:02d}", name=f"医师{i}") for i in range(5)]
    path = write_csv(tmp_path / "r.csv", rows)
    seen: list[tuple[int, int, int]] = []
    import_csv(path, store, progress=lambda *p: seen.append(p))
    size = path.stat().st_size
    assert [rows for rows, _, _ in seen] == [2, 4, 5] and seen[-1][1:] == (size, size)
