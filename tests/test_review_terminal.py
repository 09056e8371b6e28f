"""`certscan review RESULTS.jsonl` in a terminal, run in-process with typed answers, on a results file
that `certscan scan --json` made from generated photos."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from review_fixtures import glare_photo  # noqa: F401  (fixture)
from typer.testing import CliRunner

from scanner.cli import app
from scanner.fields import CERTIFICATE_FIELDS

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, glare_photo, samples):  # noqa: F811
    """A batch of two: the photo with glare over name and code, and a clean office scan."""
    clean = next(s for s in samples if s.mode == "scan")
    out = tmp_path_factory.mktemp("terminal")
    result = runner.invoke(app, ["scan", str(glare_photo.image), str(clean.image), "--json"])
    assert result.exit_code == 0, result.output
    results = out / "results.jsonl"
    results.write_text(result.stdout, encoding="utf-8")
    truths = {str(glare_photo.image): glare_photo.truth, str(clean.image): clean.truth}
    return results, truths


def answers_for(results: Path, truths: dict[str, dict[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """What a careful reviewer types for each field marked for review: Enter when the value is right,
    else the value on the certificate; a certificate code is first mistyped to five digits."""
    answers, fields = [], []
    for line in results.read_text("utf-8").splitlines():
        row = json.loads(line)
        truth = truths[row["file"]]
        for key in map(str, CERTIFICATE_FIELDS):
            field = row["fields"][key]
            if not field["review"]:
                continue
            fields.append((row["file"], key))
            if field["value"] == truth[key]:
                answers.append("")
            elif key == "certificate_code":
                answers += ["12345", truth[key]]
            else:
                answers.append(truth[key])
    return answers, fields


def test_stepping_through_a_batch_corrects_the_fields_and_verifies(scanned, glare_photo, tmp_path):  # noqa: F811
    results, truths = scanned
    before = hashlib.sha256(results.read_bytes()).hexdigest()
    answers, fields = answers_for(results, truths)
    glare = str(glare_photo.image)
    assert (glare, "name") in fields and (glare, "certificate_code") in fields
    out = tmp_path / "reviewed.jsonl"
    result = runner.invoke(
        app,
        ["review", str(results), "--out", str(out), "--reviewer", "陈审核"],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 0, result.output
    shown = result.stdout
    assert f"{results}：共2份证书，1份有{len(fields)}个字段待复核。" in shown
    assert "  姓名：—\n    识别原文：—    把握：0.00\n    原因：未识别到\n" in shown
    # A mistyped code is caught at once and asked again.
    assert "    ⚠ 证书编码格式（5个字符，应为15位数字）\n    回车保留此值，或重新输入。" in shown
    assert f"已写入 {out}（{len(fields)}处更正" in shown

    rows = {row["file"]: row for row in map(json.loads, out.read_text("utf-8").splitlines())}
    assert len(rows) == 2
    reviewed = rows[glare]
    assert reviewed["fields"]["name"]["value"] == glare_photo.truth["name"]
    assert reviewed["fields"]["name"]["confirmed"] and not reviewed["fields"]["name"]["review"]
    assert reviewed["review"]["original"]["name"]["value"] is None
    assert [(e["field"], e["read"], e["corrected"]) for e in reviewed["review"]["audit"]] == [
        ("name", None, glare_photo.truth["name"]),
        ("certificate_code", None, glare_photo.truth["certificate_code"]),
    ]
    audit = [json.loads(line) for line in (tmp_path / "reviewed.audit.jsonl").read_text("utf-8").splitlines()]
    assert [e["field"] for e in audit] == ["name", "certificate_code"]
    assert {e["reviewer"] for e in audit} == {"陈审核"} and audit[0]["file"] == glare
    # The OCR result itself is untouched.
    assert hashlib.sha256(results.read_bytes()).hexdigest() == before

    verified = runner.invoke(
        app, ["verify", "--record", str(out), "--registry", str(glare_photo.registry), "--json"]
    )
    verdicts = {row["file"]: row["verdict"] for row in map(json.loads, verified.stdout.splitlines())}
    assert verdicts[glare] == "consistent"


def test_ending_the_input_early_keeps_what_was_reviewed(scanned, glare_photo, tmp_path):  # noqa: F811
    results, _ = scanned
    out = tmp_path / "partial.jsonl"
    result = runner.invoke(app, ["review", str(results), "--out", str(out), "--lang", "en"], input="何世天\n")
    assert result.exit_code == 1
    assert f"Stopped: what was reviewed is in {out}; 1 field(s) are still to review." in result.stdout
    row = json.loads(out.read_text("utf-8").splitlines()[0])
    assert row["fields"]["name"]["value"] == "何世天" and row["fields"]["certificate_code"]["review"]


def test_the_results_file_is_never_overwritten(scanned):
    results, _ = scanned
    result = runner.invoke(app, ["review", str(results), "--out", str(results)], input="\n")
    assert result.exit_code == 2
    assert result.stderr.endswith("：就是识别结果文件本身；识别结果不会被覆盖，请另指定输出文件\n")
    english = runner.invoke(app, ["review", str(results), "--out", str(results), "--lang", "en"])
    assert "the OCR result is never overwritten" in english.stderr and "Traceback" not in english.output


def test_a_file_that_is_not_results_is_one_sentence(tmp_path):
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\n", encoding="utf-8")
    result = runner.invoke(app, ["review", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"certscan: {bad}：第1行不是JSON\n"
    english = runner.invoke(app, ["review", str(bad), "--lang", "en"])
    assert english.stderr == f"certscan: {bad}: line 1 is not JSON\n"
    assert runner.invoke(app, ["review"]).exit_code == 2
