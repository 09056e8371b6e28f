"""The README and the documents it points to, checked against the code: what a newcomer copies from
them must work as shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.checks import id_number_valid
from scanner.cli import app
from scanner.fields import CheckName, FieldKey, Flag

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = [README, ROOT / "models" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
runner = CliRunner()


def code_lines(text: str) -> list[str]:
    """The lines of a Markdown text's code: fenced blocks and blocks indented four spaces."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            lines.append(line.strip())
    return lines


def certscan_commands(text: str) -> list[list[str]]:
    """Every `certscan ...` command line shown in code, as words, comments and the prompt dropped
    (lines certscan prints about itself, `certscan review: http://…`, are output, not commands)."""
    commands = []
    for line in code_lines(text):
        line = line.removeprefix("$ ").split("  #")[0].split(" # ")[0]
        if line.startswith("certscan ") and not re.match(r"certscan [\w-]+: ", line):
            commands.append(line.split())
    return commands


def test_every_id_number_in_the_documents_passes_its_check_digit():
    for document in DOCUMENTS:
        for number in re.findall(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", document.read_text("utf-8")):
            assert id_number_valid(number), f"{document.name}: {number}"


def test_every_masked_id_number_in_the_documents_has_the_shape_people_are_shown():
    # The region code and the check character, nothing between (scanner.text.mask_id).
    shown = re.compile(r"[0-9]{6}\*{11}[0-9X]")
    found = re.findall(r"(?<![0-9])[0-9]{4,}\*+[0-9X]+", README.read_text("utf-8"))
    assert found, "the README shows a masked ID number in its sample summary"
    assert [m for m in found if not shown.fullmatch(m)] == []


def _commands_and_options() -> dict[tuple[str, ...], set[str]]:
    """Each command path of the CLI with the options its help lists."""
    out: dict[tuple[str, ...], set[str]] = {}
    for path in [(), ("scan",), ("verify",), ("batch",), ("review",), ("config",), ("institution",)] + [
        ("registry", sub) for sub in ("import", "stats", "show")
    ]:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        out[path] = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", result.output))
    return out


def test_every_command_and_option_shown_in_the_readme_exists():
    known = _commands_and_options()
    commands = certscan_commands(README.read_text("utf-8"))
    assert len(commands) > 20
    for words in commands:
        path = tuple(words[1:3]) if words[1] == "registry" else tuple(words[1:2])
        if path and path[0].startswith("--"):
            path = ()
        assert path in known, f"no such command: {' '.join(words)}"
        options = {re.sub(r"[\[\]=].*", "", w.strip("[]")) for w in words if w.lstrip("[").startswith("--")}
        assert options <= known[path], f"{' '.join(words)}: unknown {sorted(options - known[path])}"


def test_every_document_the_readme_names_is_in_the_repository():
    text = README.read_text("utf-8")
    named = set(re.findall(r"\]\(([^)#:]+)\)", text))
    named |= {m for m in re.findall(r"[\w./-]+\.md\b", text)}
    assert "docs/FORMAT.md" in named
    missing = sorted(n for n in named if not (ROOT / n).is_file())
    assert missing == []


def test_the_format_document_names_every_field_flag_and_check():
    text = (ROOT / "docs" / "FORMAT.md").read_text("utf-8")
    for word in [*FieldKey, *Flag, *CheckName, "no_certificate", "no_text_found", "dark"]:
        assert f"`{word}`" in text, word


def test_the_models_document_lists_every_model_a_result_records():
    result = runner.invoke(app, ["config"])
    import json

    ocr = json.loads(result.stdout)["ocr"]
    models = (ROOT / "models" / "README.md").read_text("utf-8")
    for role in ("det", "rec", "cls"):
        assert f"`{ocr[f'{role}_model']}`" in models and ocr[f"{role}_sha256"] in models
    assert "not used" not in models


def test_the_readme_says_how_the_certscan_command_gets_on_the_path():
    text = README.read_text("utf-8")
    assert ". .venv/bin/activate" in text
    demo = (ROOT / "Makefile").read_text("utf-8").split("\ndemo:")[1].split("\n\n")[0]
    assert "activate" in demo


def readme_sample_summary() -> tuple[str, list[str]]:
    """The command and the output the README shows for the sample photo."""
    lines = README.read_text("utf-8").splitlines()
    start = lines.index("    $ certscan scan samples/sample_photo.jpg")
    shown = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        shown.append(line[4:])
    return lines[start].strip(), shown


@pytest.mark.slow
def test_the_sample_summary_in_the_readme_is_what_certscan_prints():
    command, shown = readme_sample_summary()
    result = runner.invoke(app, command.split()[2:])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip("\n").splitlines() == shown
