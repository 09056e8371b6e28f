"""Several shots of one certificate read as one record (`scanner.merge`, `certscan scan --merge`).

The rule tests start from a real reading (OCR lines recorded from a generated certificate, extracted and
checked) and change one field in one shot the way a retake differs: glare over a value, a lookalike
read alike twice, a value lost in one shot.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.checks import run_checks
from scanner.cli import app
from scanner.extract import extract_fields
from scanner.fields import (
    CODE_PAGE_NOT_SHOWN,
    HOLDER_PAGE_NOT_SHOWN,
    Box,
    CertificateLayout,
    CertificateRecord,
    Change,
    CheckName,
    Document,
    FieldKey,
    FieldResult,
    Flag,
)
from scanner.merge import (
    DIFFERENT_CERTIFICATES,
    MergeRule,
    character_vote,
    merge_changes,
    merge_records,
    same_certificate,
)
from scanner.ocr.base import OcrLine

TODAY = dt.date(2026, 11, 27)
RECORDING = Path(__file__).parent / "data" / "ocr" / "grid_justified_labels.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def reading() -> tuple[CertificateRecord, dict[str, str]]:
    """A real reading of a generated certificate, every field right and sure, and its truth."""
    data = json.loads(RECORDING.read_text("utf-8"))
    lines = [OcrLine.from_json(item) for item in data["lines"]]
    fields, checks = run_checks(extract_fields(lines, 0.93), TODAY)
    record = CertificateRecord(file="shot.jpg", fields=fields, checks=checks)
    truth: dict[str, str] = data["truth"]
    assert set(record.needs_review) <= {FieldKey.QUALIFICATION_CODE}
    assert all(record.value(FieldKey(k)) == v for k, v in truth.items())
    return record, truth


def shot(record: CertificateRecord, file: str, /, **changed: FieldResult) -> CertificateRecord:
    """The reading as another shot gave it: some fields read otherwise."""
    fields = dict(record.fields)
    fields.update({FieldKey(k): v for k, v in changed.items()})
    return replace(record, file=file, fields=fields)


def unsure(field: FieldResult, value: str | None = None, *flags: Flag) -> FieldResult:
    return replace(field, value=value or field.value, confidence=0.6, flags=flags or (Flag.LOW_CONFIDENCE,))


def test_shots_that_agree_and_read_surely_give_a_sure_value_each_naming_every_shot(reading):
    record, truth = reading
    merged = merge_records([shot(record, f"{i}.jpg") for i in range(3)], "merged", TODAY)
    for key in FieldKey:
        field = merged.fields[key]
        if key is FieldKey.QUALIFICATION_CODE:
            assert field.value is None and field.shots == ()
            continue
        assert field.value == truth[key] and not field.review and field.shots == (0, 1, 2), key
    assert all(check.ok for check in merged.checks) and merged.file == "merged"


def test_shots_that_disagree_give_the_majority_value_for_review(reading):
    record, truth = reading
    name = record.fields[FieldKey.NAME]
    other = replace(name, value="杨叡")  # read confidently, and wrong, in one shot
    merged = merge_records([shot(record, "a"), shot(record, "b", name=other), shot(record, "c")], "m", TODAY)
    field = merged.fields[FieldKey.NAME]
    assert field.value == truth["name"] and field.review and field.shots == (0, 2)
    assert Flag.LOW_CONFIDENCE in field.flags


def test_two_unsure_readings_that_agree_are_not_enough(reading):
    # The same lookalike fools recognition in both shots: agreeing is no proof without a sure reading.
    record, _ = reading
    name = unsure(record.fields[FieldKey.NAME], "杨叡")
    merged = merge_records([shot(record, "a", name=name), shot(record, "b", name=name)], "m", TODAY)
    field = merged.fields[FieldKey.NAME]
    assert field.value == "杨叡" and field.review and field.shots == (0, 1)


def test_two_shots_agreeing_one_surely_outvote_an_unsure_third(reading):
    # Half under glare, the third shot read 20 for the issue date.
    record, truth = reading
    date = record.fields[FieldKey.ISSUE_DATE]
    cut = unsure(date, "20", Flag.GLARE)
    shots = [shot(record, "a"), shot(record, "b", issue_date=unsure(date)), shot(record, "c", issue_date=cut)]
    merged = merge_records(shots, "m", TODAY).fields[FieldKey.ISSUE_DATE]
    assert merged.value == truth["issue_date"] and not merged.review and merged.shots == (0, 1)
    # The issue's rule asks every reading to agree.
    strict = merge_records(shots, "m", TODAY, rule=MergeRule.UNANIMOUS).fields[FieldKey.ISSUE_DATE]
    assert strict.value == truth["issue_date"] and strict.review
    # One sure shot against one unsure shot outvotes nothing.
    pair = merge_records([shots[0], shots[2]], "m", TODAY).fields[FieldKey.ISSUE_DATE]
    assert pair.value == truth["issue_date"] and pair.review


def test_three_different_readings_are_spelled_character_by_character_for_review(reading):
    record, _ = reading
    name = record.fields[FieldKey.NAME]
    shots = [
        shot(record, "a", name=unsure(name, "王娟玲")),
        shot(record, "b", name=replace(name, value="王姐玲")),
        shot(record, "c", name=unsure(name, "王娟珍")),
    ]
    field = merge_records(shots, "m", TODAY).fields[FieldKey.NAME]
    assert field.value == "王娟玲" and field.review and field.shots == (0,)
    # Spelled from readings none of which reads so: no shot agreed.
    shots[0] = shot(record, "a", name=unsure(name, "王娟珍"))
    shots[2] = shot(record, "c", name=unsure(name, "玉娟玲"))
    field = merge_records(shots, "m", TODAY).fields[FieldKey.NAME]
    assert field.value == "王娟玲" and field.review and field.shots == () and field.box is None
    assert character_vote(["王娟玲", "王姐玲"]) is None  # two shots: no majority to go by
    assert character_vote(["王娟玲", "王姐珍", "王娟"]) is None  # they do not line up


def test_a_sure_shot_settles_what_an_unsure_shot_read_alike(reading):
    record, truth = reading
    glared = unsure(record.fields[FieldKey.NAME], None, Flag.GLARE)
    glared = replace(glared, box=Box(1, 2, 3, 4))
    merged = merge_records([shot(record, "a", name=glared), shot(record, "b")], "m", TODAY)
    field = merged.fields[FieldKey.NAME]
    assert field.value == truth["name"] and not field.review
    # The sure shot comes first: the box is the one in its picture.
    assert field.shots == (1, 0) and field.box == record.fields[FieldKey.NAME].box


def test_a_field_missing_in_one_shot_is_no_evidence_against_the_others(reading):
    record, truth = reading
    merged = merge_records(
        [shot(record, "a"), shot(record, "b", id_number=FieldResult.missing().with_flags(Flag.GLARE))],
        "m",
        TODAY,
    )
    field = merged.fields[FieldKey.ID_NUMBER]
    assert field.value == truth["id_number"] and not field.review and field.shots == (0,)


def test_a_field_no_shot_read_is_missing_with_what_the_pictures_did_to_it(reading):
    record, _ = reading
    gone = FieldResult.missing().with_flags(Flag.GLARE)
    merged = merge_records([shot(record, "a", scope=gone), shot(record, "b", scope=gone)], "m", TODAY)
    field = merged.fields[FieldKey.SCOPE]
    assert field.value is None and field.review and set(field.flags) == {Flag.MISSING, Flag.GLARE}


def test_checks_are_run_on_the_merged_values(reading):
    # Each shot misread a different digit of the ID number: checks in each failed; the merged value
    # (two shots agree) passes them, and stays for review since a shot disagreed.
    record, truth = reading
    right = record.fields[FieldKey.ID_NUMBER]
    wrong = replace(right, value=truth["id_number"][:-1] + "0")
    shots = [shot(record, "a"), shot(record, "b", id_number=wrong), shot(record, "c")]
    shots[1] = replace(shots[1], fields=run_checks(shots[1].fields, TODAY)[0])
    assert Flag.CHECKSUM_FAILED in shots[1].fields[FieldKey.ID_NUMBER].flags
    merged = merge_records(shots, "m", TODAY)
    field = merged.fields[FieldKey.ID_NUMBER]
    assert field.value == truth["id_number"] and field.review and Flag.CHECKSUM_FAILED not in field.flags
    assert next(c for c in merged.checks if c.check is CheckName.ID_CHECKSUM).ok


def test_where_no_two_shots_agree_a_reading_of_the_fields_form_wins(reading):
    record, truth = reading
    right = record.fields[FieldKey.ID_NUMBER]
    misread = [truth["id_number"][:-1] + "1", "0P241198708316268"]
    shots = [
        shot(record, "a", id_number=replace(right, value=misread[0], confidence=0.9)),
        shot(record, "b", id_number=replace(right, value=misread[1], confidence=0.9)),
        shot(record, "c", id_number=unsure(right)),
    ]
    shots = [replace(s, fields=run_checks(s.fields, TODAY)[0]) for s in shots]
    field = merge_records(shots, "m", TODAY).fields[FieldKey.ID_NUMBER]
    # The only reading that passes its check digit, though read with the least confidence.
    assert field.value == truth["id_number"] and field.review and field.shots == (2,)


def test_where_no_two_shots_agree_a_value_read_at_its_label_wins(reading):
    # A fragment of the title taken for the name where the 姓名 label was lost to glare.
    record, truth = reading
    name = record.fields[FieldKey.NAME]
    shots = [
        shot(record, "a", name=replace(name, value="业证书", confidence=0.99, flags=(Flag.UNLABELLED,))),
        shot(record, "b", name=unsure(name)),
    ]
    field = merge_records(shots, "m", TODAY).fields[FieldKey.NAME]
    assert field.value == truth["name"] and field.review and field.shots == (1,)


def test_unreadable_shots_are_left_out_and_keep_their_number(reading):
    record, _ = reading
    bad = CertificateRecord.failed("b.jpg", "not a picture")
    merged = merge_records([bad, shot(record, "a"), shot(record, "c")], "m", TODAY)
    assert merged.error is None and merged.fields[FieldKey.NAME].shots == (1, 2)
    assert merge_records([bad, bad], "m", TODAY).error == "not a picture"


def test_same_certificate_from_code_name_and_id(reading):
    record, _ = reading
    assert same_certificate(record, shot(record, "b")) is True
    code = record.fields[FieldKey.CERTIFICATE_CODE]
    name = record.fields[FieldKey.NAME]
    # Only the code differs, surely read in both: the same doctor's certificate with a misread code,
    # which the merged reading leaves for review.
    misread = shot(record, "b", certificate_code=replace(code, value="215001111828009"))
    assert same_certificate(record, misread) is True
    merged = merge_records([record, misread], "m", TODAY)
    assert DIFFERENT_CERTIFICATES not in merged.warnings and merged.fields[FieldKey.CERTIFICATE_CODE].review
    # Code and name differ: another certificate. Nothing merged from it is trusted unseen.
    other = shot(record, "b", certificate_code=misread.fields[FieldKey.CERTIFICATE_CODE])
    other = shot(other, "b", name=replace(name, value="王建国"))
    assert same_certificate(record, other) is False
    merged = merge_records([record, other], "m", TODAY)
    assert DIFFERENT_CERTIFICATES in merged.warnings
    assert all(f.review for f in merged.fields.values() if f.value is not None)
    # The holder's ID card: the same name and number, another document.
    card = replace(shot(record, "card"), document=Document.ID_CARD, layout=None)
    assert same_certificate(record, card) is False
    merged = merge_records([record, card, shot(record, "c")], "m", TODAY)
    assert merged.fields[FieldKey.NAME].shots == (0, 2) and DIFFERENT_CERTIFICATES in merged.warnings
    # Only unsure differences and one agreement: cannot tell.
    sparse = shot(
        record,
        "c",
        name=unsure(name, "杨叡"),
        id_number=FieldResult.missing(),
    )
    assert same_certificate(record, sparse) is None


def test_a_change_page_that_does_not_tell_its_layout_leaves_it_to_the_shots_that_do(reading):
    record, _ = reading
    personal = replace(shot(record, "p3"), layout=CertificateLayout.OLD_BOOKLET)
    changes = replace(shot(record, "p4"), layout=None)
    for shots in ([changes, personal], [personal, changes]):
        assert merge_records(shots, "m", TODAY).layout is CertificateLayout.OLD_BOOKLET


def test_a_page_is_missing_from_merged_shots_only_when_no_shot_shows_it(reading):
    record, _ = reading
    personal = replace(shot(record, "p3"), warnings=(CODE_PAGE_NOT_SHOWN,))
    changes = replace(shot(record, "p4"), warnings=(HOLDER_PAGE_NOT_SHOWN, CODE_PAGE_NOT_SHOWN, "blur"))
    merged = merge_records([changes, personal], "m", TODAY)
    assert merged.warnings == (CODE_PAGE_NOT_SHOWN, "blur")


def test_change_blocks_agreeing_across_shots_are_sure_and_disagreeing_ones_reviewed():
    moved = Change(
        "主要执业机构变更", "重庆市人民医院", "2021-03-04", "重庆市卫生健康委员会", confidence=0.95
    )
    misread = replace(moved, value="重庆市人民医阮")
    scope = Change("执业范围变更", "外科专业", "2023-05-06", "重庆市卫生健康委员会", confidence=0.97)
    merged = merge_changes([(moved, scope), (moved, replace(scope, value="外科专亚")), (moved,)])
    assert [c.value for c in merged] == ["重庆市人民医院", "外科专业"]
    assert not merged[0].review and merged[1].review
    assert merge_changes([(misread,), (moved,)])[0].review


@pytest.fixture(scope="module")
def photographed(tmp_path_factory) -> tuple[list[Path], dict[str, str], Path]:
    """One generated certificate photographed three times (independent shots), and a registry
    that holds it."""
    from scanner.synth import write_registry_csv
    from scanner.synth.shots import generate_shots

    out = tmp_path_factory.mktemp("shots")
    [paths] = generate_shots(out, count=1, seed=5, shots=3, mode="photo")
    samples = [json.loads(p.read_text("utf-8")) for p in paths]
    assert len({s["degrade"]["angle"] for s in samples}) == 3  # three different photos
    truth = samples[0]["fields"]
    write_registry_csv([truth], out / "registry.csv")
    db = out / "registry.db"
    result = runner.invoke(app, ["registry", "import", str(out / "registry.csv"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return [out / s["file"] for s in samples], truth, db


@pytest.mark.slow
def test_scan_merge_gives_one_row_whose_fields_say_which_shots_agreed(photographed):
    images, truth, _ = photographed
    result = runner.invoke(app, ["scan", "--merge", "--json", *map(str, images)])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["shots"] == [str(p) for p in images]
    right = 0
    for key, expected in truth.items():
        field = row["fields"][key]
        assert field["value"] == expected or field["review"], (key, field, expected)
        right += field["value"] == expected
        assert field["value"] is None or field["shots"], key
    assert right >= len(truth) - 1


@pytest.mark.slow
def test_scan_merge_summary_counts_agreeing_shots_and_names_an_unreadable_picture(photographed, tmp_path):
    images, _, _ = photographed
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    result = runner.invoke(
        app, ["scan", "--merge", "--lang", "en", str(images[0]), str(broken), str(images[1])]
    )
    assert result.exit_code == 2
    assert f"no reading from {broken} (" in result.stderr and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and "other pictures were merged" in result.stderr
    assert "pictures merged" in result.stdout and re.search(r"Name [12]/3", result.stdout)


def test_merge_needs_two_pictures(photographed):
    images, _, db = photographed
    result = runner.invoke(app, ["scan", "--merge", str(images[0])])
    assert result.exit_code == 2 and "至少指定两张照片" in result.stderr
    result = runner.invoke(app, ["verify", "--merge", str(images[0]), "--registry", str(db), "--lang", "en"])
    assert result.exit_code == 2 and "name at least two" in result.stderr


@pytest.mark.slow
def test_photos_of_two_different_certificates_are_not_passed_off_as_one():
    samples = Path(__file__).resolve().parent.parent / "samples"
    pictures = [str(samples / "sample_photo.jpg"), str(samples / "sample_scan.jpg")]
    result = runner.invoke(app, ["scan", "--merge", "--json", *pictures])
    assert result.exit_code == 2
    assert "不是同一张证书" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert "different_certificates" in row["warnings"]
    assert all(field["value"] is None or field["review"] for field in row["fields"].values())


@pytest.mark.slow
def test_verify_merge_verifies_the_shots_once(photographed):
    images, truth, db = photographed
    result = runner.invoke(app, ["verify", "--merge", "--json", "--registry", str(db), *map(str, images)])
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["verdict"] in ("consistent", "needs_review") and len(row["shots"]) == 3
    assert result.exit_code == (0 if row["verdict"] == "consistent" else 1)
    summary = runner.invoke(app, ["verify", "--merge", "--registry", str(db), *map(str, images)])
    assert "合并 3 张照片" in summary.stdout and truth["id_number"] not in summary.stdout


def test_the_benchmark_scores_each_shot_and_the_merged_reading(reading):
    from benchmarks.mergebench import Scored, score_certificate

    record, truth = reading
    name = record.fields[FieldKey.NAME]
    clear = {k: {"legible": True} for k in truth}
    washed = {**clear, "name": {"legible": False}}
    shots = [
        ({"fields": truth, "legibility": clear}, shot(record, "a", name=replace(name, value="杨叡"))),
        ({"fields": truth, "legibility": washed}, shot(record, "b", name=FieldResult.missing())),
        ({"fields": truth, "legibility": clear}, shot(record, "c")),
    ]
    one, merged = Scored(), {rule: Scored() for rule in MergeRule}
    score_certificate(shots, one, merged)
    # Shot a trusted a wrong name: one silent error; shot b's name was gone and marked.
    assert (one.readings, one.fields, one.right, one.silent) == (3, 36, 34, 1)
    assert (one.illegible_fields, one.illegible_reviewed) == (1, 1)
    for scored in merged.values():
        # Two sure shots disagree on the name: the merged name is for review, not a silent error.
        assert (scored.readings, scored.fields, scored.silent, scored.reviewed) == (1, 12, 0, 1)
        assert scored.legible_fields == 12


def test_shots_of_one_certificate_differ_as_pictures_and_repeat_byte_for_byte(tmp_path):
    from scanner.synth.shots import generate_shots

    [first] = generate_shots(tmp_path / "a", count=1, seed=9, shots=2, mode="hard")
    [again] = generate_shots(tmp_path / "b", count=1, seed=9, shots=2, mode="hard")
    pictures = [p.with_suffix(".jpg").read_bytes() for p in first]
    assert pictures == [p.with_suffix(".jpg").read_bytes() for p in again]
    assert pictures[0] != pictures[1]
    truths = [json.loads(p.read_text("utf-8")) for p in first]
    assert truths[0]["fields"] == truths[1]["fields"] and [t["shot"] for t in truths] == [0, 1]
    assert truths[0]["degrade"] != truths[1]["degrade"]
