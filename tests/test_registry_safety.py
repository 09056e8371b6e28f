"""Nothing lost, nothing leaked (issue 17): what `certscan registry import` keeps, refuses and says.

A certificate code is never given to another person silently, blank cells are unknown values, a
hostile or broken file is refused in one sentence, an import killed with SIGKILL loses nothing that
was committed, and no message shows Python internals or a full ID number. Run through the real
command (in-process, and as a real process for the kill).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from helpers import make_id
from test_registry import LI_ID, ZHANG_ID, write_csv, zhang
from typer.testing import CliRunner

from scanner.cli import app

runner = CliRunner()
CODE = "110500012345678"
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def show(db: Path, code: str = CODE) -> dict:
    result = run("registry", "show", code, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def li_under_zhangs_code(**changes: str) -> dict[str, str]:
    return zhang(name="李四", id_number=LI_ID, birth_date="1975-08-14", **changes)


# -- 1. a certificate code never changes hands silently ----------------------------------------


def test_a_second_file_cannot_give_a_code_to_another_person(tmp_path):
    db = tmp_path / "r.db"
    a = write_csv(tmp_path / "a.csv", [zhang()])
    b = write_csv(tmp_path / "b.csv", [li_under_zhangs_code()])
    result = run("registry", "import", a, b, "--db", db)
    assert result.exit_code == 1, result.output
    assert (
        "b.csv" in result.stdout
        and "第2行：证书编码110500012345678已登记给另一人张三（来源a.csv:2）" in result.stdout
    )
    assert "更新0人" in result.stdout and "拒绝1行" in result.stdout
    assert show(db)["name"] == "张三" and show(db)["id_number"] == ZHANG_ID


def test_a_later_run_cannot_give_a_code_to_another_person_of_the_same_name(tmp_path):
    # Same name, another ID number: another person; decided by ID number when both rows have one.
    db = tmp_path / "r.db"
    assert run("registry", "import", write_csv(tmp_path / "a.csv", [zhang()]), "--db", db).exit_code == 0
    other = zhang(id_number=make_id("500103", "19870312", "051"))
    result = run("registry", "import", write_csv(tmp_path / "b.csv", [other]), "--db", db, "--json")
    assert result.exit_code == 1
    [rejected] = json.loads(result.stdout)["rejected"]
    assert rejected["line"] == 2 and "registered to another person, 张三 (a.csv:2)" in rejected["reason"]
    assert show(db)["id_number"] == ZHANG_ID


def test_the_same_person_with_updated_fields_is_an_update(tmp_path):
    db = tmp_path / "r.db"
    run("registry", "import", write_csv(tmp_path / "a.csv", [zhang()]), "--db", db)
    moved = zhang(institution="重庆市人民医院")
    result = run("registry", "import", write_csv(tmp_path / "b.csv", [moved]), "--db", db)
    assert result.exit_code == 0, result.output
    assert "新增0人，更新1人" in result.stdout
    assert show(db)["institution"] == "重庆市人民医院"


def test_replace_gives_the_code_to_the_other_person_and_records_who_replaced_whom(tmp_path):
    db = tmp_path / "r.db"
    run("registry", "import", write_csv(tmp_path / "a.csv", [zhang()]), "--db", db)
    b = write_csv(tmp_path / "b.csv", [li_under_zhangs_code()])
    result = run("registry", "import", b, "--db", db, "--replace", "--json")
    assert result.exit_code == 0, result.output
    [replaced] = json.loads(result.stdout)["replaced"]
    assert replaced["old"] == {"name": "张三", "id_number": ZHANG_ID, "source": "a.csv:2"}
    assert replaced["new"] == {"name": "李四", "id_number": LI_ID, "source": "b.csv:2"}
    assert show(db)["name"] == "李四"
    with sqlite3.connect(db) as kept:
        rows = kept.execute(
            "SELECT certificate_code, old_name, new_name, replaced_at FROM replacements"
        ).fetchall()
    assert [r[:3] for r in rows] == [(CODE, "张三", "李四")] and rows[0][3].startswith("20")
    summary = run("registry", "import", write_csv(tmp_path / "c.csv", [zhang()]), "--db", db, "--replace")
    assert "证书编码110500012345678由李四（b.csv:2）改登记给张三（c.csv:2），已记录替换" in summary.stdout


# -- 2. blank optional cells are unknown, not errors -------------------------------------------


def test_a_roster_of_names_and_codes_only_is_imported(tmp_path):
    db = tmp_path / "r.db"
    roster = write_csv(tmp_path / "r.csv", [{"姓名": "张三", "证书编码": CODE}])
    result = run("registry", "import", roster, "--db", db)
    assert result.exit_code == 0, result.output
    assert "新增1人" in result.stdout and "拒绝0行" in result.stdout
    entry = show(db)
    assert entry["name"] == "张三" and entry["sex"] is None and entry["level"] is None


def test_blank_sex_birth_date_and_level_are_stored_as_unknown_and_not_compared(tmp_path):
    db = tmp_path / "r.db"
    row = zhang(sex="", birth_date="", level="", authority="")
    result = run("registry", "import", write_csv(tmp_path / "r.csv", [row]), "--db", db)
    assert result.exit_code == 0, result.output
    entry = show(db)
    assert (entry["sex"], entry["birth_date"], entry["level"], entry["authority"]) == (None, None, None, None)
    record = tmp_path / "read.json"
    fields = {k: {"value": v, "raw": v, "confidence": 0.99, "flags": []} for k, v in zhang().items()}
    record.write_text(json.dumps({"file": "x.jpg", "fields": fields}, ensure_ascii=False), encoding="utf-8")
    verified = run("verify", "--record", record, "--registry", db, "--json")
    assert verified.exit_code == 0, verified.output
    row_out = json.loads(verified.stdout)
    assert row_out["verdict"] == "consistent" and row_out["differences"] == []


# -- 6. limits on columns, cell lengths and control characters ---------------------------------


def test_a_header_of_too_many_columns_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("姓名,证书编码," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n张三," + CODE + "\n")
    result = run("registry", "import", path, "--db", tmp_path / "r.db")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"certscan: {path}：表头有1000002列，超过名册最多200列的上限"


def test_control_characters_and_overlong_cells_reject_their_rows(tmp_path):
    db = tmp_path / "r.db"
    rows = [
        zhang(),
        zhang(name="李\x00四", certificate_code="110500012340001", id_number=""),
        zhang(name="王" * 501, certificate_code="110500012340002", id_number=""),
        zhang(name="赵" * 500, certificate_code="110500012340003", id_number=""),
        zhang(institution="医院\x1b[31m", certificate_code="110500012340004", id_number=""),
    ]
    result = run("registry", "import", write_csv(tmp_path / "r.csv", rows), "--db", db, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(r["line"], r["reason_zh"]) for r in report["rejected"]] == [
        (3, "姓名含有控制字符（U+0000）"),
        (4, "姓名超过500个字符（501个）"),
        (6, "主要执业机构含有控制字符（U+001B）"),
    ]
    assert report["added"] == 2
    assert show(db, "110500012340003")["name"] == "赵" * 500


# -- 7. an import killed with SIGKILL ---------------------------------------------------------


def _big_roster(path: Path, rows: int, first_code: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        header = "name sex birth_date id_number level category institution issue_date certificate_code"
        out.writerow(header.split())
        for i in range(rows):
            year, seq = 1960 + i % 40, f"{(i % 499) * 2 + 1:03d}"
            out.writerow(["张三", "男", f"{year}-03-12", make_id("500103", f"{year}0312", seq), "执业医师",
                          "临床", "重庆市人民医院", "2015-06-01", str(first_code + i)])  # fmt: skip
    return path


def _import_killed_midway(roster: Path, db: Path, tries: int = 5) -> None:
    """Start `certscan registry import` as a process and kill -9 it while it writes the registry.

    On a busy machine the watcher can be kept waiting past the import's commit, so that the kill
    lands after it (no journal left): that registry is whole and shows nothing, and the import is
    started again on a new one, a few times at most."""
    command = [
        sys.executable,
        "-c",
        "from scanner.cli import main; main()",
        "registry",
        "import",
        str(roster),
    ]
    journal = Path(f"{db}-journal")
    for _ in range(tries):
        for leftover in (db, journal):
            leftover.unlink(missing_ok=True)
        process = subprocess.Popen([*command, "--db", str(db)], cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not journal.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if process.returncode == -signal.SIGKILL and journal.exists():
            return
    raise AssertionError(f"the import ended before it was killed, {tries} times")


def test_a_first_import_killed_midway_leaves_a_registry_that_reads_and_a_rerun_finishes_it(tmp_path):
    db = tmp_path / "r.db"
    roster = _big_roster(tmp_path / "big.csv", 150_000, 110500000000000)
    _import_killed_midway(roster, db)
    stats = run("registry", "stats", "--db", db, "--json")
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["doctors"] == 0  # the unfinished import is rolled back whole
    rerun = run("registry", "import", roster, "--db", db, "--json")
    assert rerun.exit_code == 0, rerun.output
    assert json.loads(rerun.stdout)["added"] == 150_000
    assert json.loads(run("registry", "stats", "--db", db, "--json").stdout)["doctors"] == 150_000


def test_a_killed_import_loses_nothing_committed_before(tmp_path):
    db = tmp_path / "r.db"
    assert run("registry", "import", write_csv(tmp_path / "a.csv", [zhang()]), "--db", db).exit_code == 0
    roster = _big_roster(tmp_path / "big.csv", 150_000, 210500000000000)
    process = subprocess.Popen(
        [sys.executable, "-c", "from scanner.cli import main; main()", "registry", "import", str(roster),
         "--db", str(db)], cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert json.loads(run("registry", "stats", "--db", db, "--json").stdout)["doctors"] in (1, 150_001)
    assert run("registry", "import", roster, "--db", db).exit_code == 0
    assert json.loads(run("registry", "stats", "--db", db, "--json").stdout)["doctors"] == 150_001
    assert show(db)["name"] == "张三"


# -- 8. messages without Python internals ------------------------------------------------------


def test_a_workbook_is_refused_with_how_to_save_it_as_csv(tmp_path):
    book = tmp_path / "hr.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    result = run("registry", "import", book, "--db", tmp_path / "r.db")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"certscan: {book}：是电子表格工作簿而不是CSV文件；"
        "请在Excel或WPS中“另存为”CSV UTF-8（逗号分隔）格式后导入该文件"
    )
    assert "codec" not in result.output


def test_utf16_rosters_with_a_bom_are_read_comma_or_tab_separated(tmp_path):
    db = tmp_path / "r.db"
    comma = write_csv(tmp_path / "comma.csv", [zhang()], encoding="utf-16")
    tabbed = tmp_path / "unicode.txt"  # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    li = li_under_zhangs_code(certificate_code="215001098582736")
    tabbed.write_text(
        "\n".join("\t".join(r) for r in [list(li), list(li.values())]) + "\n", encoding="utf-16"
    )
    result = run("registry", "import", comma, tabbed, "--db", db)
    assert result.exit_code == 0, result.output
    assert show(db)["name"] == "张三" and show(db, "215001098582736")["name"] == "李四"


def test_a_folder_is_named_as_a_folder(tmp_path):
    folder = tmp_path / "hr_files"
    folder.mkdir()
    result = run("registry", "import", folder, "--db", tmp_path / "r.db", "--lang", "en")
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"certscan: {folder}: is a folder; name the CSV files in it (e.g. {folder}/*.csv)"
    )


def test_rejection_reasons_never_quote_a_full_id_number(tmp_path):
    # The sex column shifted onto the ID number, the ID number onto the code.
    shifted = zhang(sex=ZHANG_ID, certificate_code=ZHANG_ID)
    result = run("registry", "import", write_csv(tmp_path / "r.csv", [shifted]), "--db", tmp_path / "r.db")
    assert result.exit_code == 1
    assert ZHANG_ID not in result.output
    assert f"证书编码“{ZHANG_ID[:6]}{'*' * 11}{ZHANG_ID[-1]}”不是15位数字" in result.stdout


def test_registry_errors_are_one_sentence_in_the_readers_language(tmp_path):
    missing = tmp_path / "none.db"
    result = run("registry", "stats", "--db", missing)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"certscan: {missing}处没有登记库；请先用 `certscan registry import 文件.csv --db {missing}` 建立。"
    )


def test_registry_show_for_people_masks_the_id_number_and_birth_date(tmp_path):
    db = tmp_path / "r.db"
    assert run("registry", "import", write_csv(tmp_path / "a.csv", [zhang()]), "--db", db).exit_code == 0
    for lang in ("zh", "en"):
        shown = run("registry", "show", CODE, "--db", db, "--lang", lang)
        assert shown.exit_code == 0, shown.output
        birth = zhang()["birth_date"]
        assert ZHANG_ID not in shown.stdout and birth not in shown.stdout
        assert f"{ZHANG_ID[:6]}***********{ZHANG_ID[-1]}" in shown.stdout
        assert f"{birth[:4]}-**-**" in shown.stdout
    assert show(db)["id_number"] == ZHANG_ID  # --json, asked for, keeps the whole number
