"""`certscan verify` and `certscan registry` end to end: generated photos in every scenario against a
registry generated to disagree in known ways, run through the real command in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_registry import write_csv, zhang
from test_registry_http import RegistryService, service  # noqa: F401  (fixture)
from typer.testing import CliRunner

from scanner.cli import app
from scanner.synth.scenarios import SCENARIOS, generate_scenarios

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    out = tmp_path_factory.mktemp("scenarios")
    paths, registry_csv = generate_scenarios(out, count=1, seed=3, modes=("photo",), bystanders=20)
    db = out / "registry.db"
    result = runner.invoke(app, ["registry", "import", str(registry_csv), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rejected"] == [] and report["added"] == len(SCENARIOS) + 20 - 1  # not_in_registry
    truths = {p.with_suffix(".jpg").name: json.loads(p.read_text("utf-8")) for p in paths}
    return out, db, truths


def test_every_scenario_gets_its_verdict_or_an_honest_needs_review(scenarios):
    out, db, truths = scenarios
    images = [str(out / name) for name in sorted(truths)]
    result = runner.invoke(app, ["verify", *images, "--registry", str(db), "--json"])
    assert result.exit_code == 1, result.output  # some verdicts need attention
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(images)
    right = 0
    for row in rows:
        truth = truths[Path(row["file"]).name]
        assert row["verdict"] in (truth["expected_verdict"], "needs_review"), (truth["scenario"], row)
        right += row["verdict"] == truth["expected_verdict"]
        if row["verdict"] == "mismatch":
            fields = {d["field"] for d in row["differences"]}
            expected = {
                "moved": {"institution"},
                "scope": {"scope"},
                "code_of_another": {"name", "id_number"},
            }
            assert expected[truth["scenario"]] <= fields
    assert right >= len(rows) - 2


def test_a_genuine_certificate_exits_0_and_the_summary_leads_with_the_verdict(scenarios):
    out, db, truths = scenarios
    [genuine] = [name for name, t in truths.items() if t["scenario"] == "genuine"]
    result = runner.invoke(app, ["verify", str(out / genuine), "--registry", str(db)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "  结论：✔ 一致：登记中有此医师，各项相符"
    assert truths[genuine]["fields"]["id_number"] not in result.stdout


def test_a_reviewed_record_is_verified_without_the_image(scenarios, tmp_path):
    out, db, truths = scenarios
    [moved] = [name for name, t in truths.items() if t["scenario"] == "moved"]
    scanned = runner.invoke(app, ["scan", str(out / moved), "--json"])
    row = json.loads(scanned.stdout)
    registered = runner.invoke(app, ["registry", "show", truths[moved]["fields"]["certificate_code"],
                                     "--db", str(db), "--json"])  # fmt: skip
    # The reviewer learns the doctor moved and corrects the institution to the registered one.
    row["fields"]["institution"].update(value=json.loads(registered.stdout)["institution"], confirmed=True)
    # Of the fields marked for review, those the certificate prints (today's layout prints no
    # qualification code: there is nothing to correct).
    for key, field in row["fields"].items():
        if field["review"] and key in truths[moved]["fields"]:
            field.update(value=truths[moved]["fields"][key], confirmed=True)
    record = tmp_path / "reviewed.json"
    record.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["verify", "--record", str(record), "--registry", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "consistent"


def test_verify_against_an_http_registry(service, tmp_path):  # noqa: F811
    record = tmp_path / "r.json"
    fields = {k: {"value": v, "raw": v, "confidence": 0.99, "flags": []} for k, v in zhang().items()}
    record.write_text(json.dumps({"file": "x.jpg", "fields": fields}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["verify", "--record", str(record), "--registry", service.url, "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["verdict"] == "consistent" and row["registry"] == service.url
    service.script = ["503"] * 5
    result = runner.invoke(app, ["verify", "--record", str(record), "--registry", service.url,
                                 "--registry-retries", "1"])  # fmt: skip
    assert result.exit_code == 2
    assert "其回应为HTTP 503（共尝试2次）" in result.stderr
    result = runner.invoke(app, ["verify", "--record", str(record), "--registry", service.url,
                                 "--registry-retries", "1", "--lang", "en"])  # fmt: skip
    assert result.exit_code == 2
    assert "it answered HTTP 503 after 2 attempt(s)" in result.stderr


def test_registry_import_reports_bad_rows_and_exits_1(tmp_path):
    path = write_csv(tmp_path / "r.csv", [zhang(), zhang(certificate_code="123", name="王五")])
    db = tmp_path / "r.db"
    result = runner.invoke(app, ["registry", "import", str(path), "--db", str(db)])
    assert result.exit_code == 1
    assert "新增1人" in result.stdout and "第3行：证书编码“123”不是15位数字" in result.stdout
    shown = runner.invoke(app, ["registry", "show", "110500012345678", "--db", str(db)])
    assert (
        shown.exit_code == 0 and "500103********" in shown.stdout and zhang()["id_number"] not in shown.stdout
    )
    assert runner.invoke(app, ["registry", "show", "110500099999999", "--db", str(db)]).exit_code == 1
    stats = runner.invoke(app, ["registry", "stats", "--db", str(db), "--json"])
    assert json.loads(stats.stdout)["doctors"] == 1


def test_verify_without_a_registry_says_how_to_make_one(tmp_path, samples):
    result = runner.invoke(app, ["verify", str(samples[0].image), "--registry", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "certscan registry import" in result.stderr and "Traceback" not in result.output
    assert runner.invoke(app, ["verify"]).exit_code == 2


def test_batch_with_a_registry_writes_verify_rows_and_counts_verdicts(scenarios, tmp_path):
    out_dir, db, truths = scenarios
    picked = [n for n, t in truths.items() if t["scenario"] in ("genuine", "moved", "not_in_registry")]
    folder = tmp_path / "hr"
    folder.mkdir()
    for name in picked:
        (folder / name).write_bytes((out_dir / name).read_bytes())
    out = tmp_path / "results.jsonl"
    result = runner.invoke(
        app, ["batch", str(folder), "--out", str(out), "--registry", str(db), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    verdicts = {Path(r["file"]).name: r["verdict"] for r in rows}
    assert {truths[n]["expected_verdict"] for n in picked} >= set(verdicts.values()) - {"needs_review"}
    assert all(r["advice"] for r in rows) and all("registry_record" in r for r in rows)
    # The end summary counts verdicts, in Chinese by default.
    counts = {v: list(verdicts.values()).count(v) for v in ("consistent", "mismatch", "not_found")}
    words = {"consistent": "：一致", "mismatch": "，不一致", "not_found": "，未查到"}
    for verdict, n in counts.items():
        if n:
            assert f"{words[verdict]}{n}份" in result.stdout, result.stdout
    bad = runner.invoke(app, ["batch", str(folder), "--out", str(tmp_path / "x.jsonl"), "--registry",
                              str(tmp_path / "none.db")])  # fmt: skip
    assert bad.exit_code == 2 and "certscan registry import" in bad.stderr
