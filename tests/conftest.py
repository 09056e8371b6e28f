"""Shared fixtures: generated certificates with ground truth, and one scanner for the whole run."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Let tests import their shared builders (tests/helpers.py) by name.
sys.path.insert(0, str(Path(__file__).parent))


@dataclass(frozen=True)
class Sample:
    """A generated certificate image and the truth it was rendered from."""

    image: Path
    mode: str
    layout: str
    truth: dict[str, str]


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    """Six generated certificates (three identities, each as an office scan and a phone photo)."""
    from scanner.synth import generate

    out = tmp_path_factory.mktemp("synth")
    found = []
    for truth_path in generate(out, count=3, seed=11, modes=("scan", "photo")):
        data = json.loads(truth_path.read_text("utf-8"))
        layout = str(data.get("style", {}).get("layout", "?"))
        found.append(Sample(out / Path(data["file"]).name, data["mode"], layout, data["fields"]))
    return found


@pytest.fixture(scope="session")
def scanner():
    """One scanner for the session: the OCR models load once."""
    from scanner.pipeline import Scanner

    return Scanner()


@pytest.fixture(scope="session")
def hard_samples(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Four generated hard photos (strong perspective, quarter turns, glare, blur, low resolution),
    each with its truth record (fields, page quad, quarter turns) and `path`."""
    from scanner.synth import generate

    out = tmp_path_factory.mktemp("hard")
    found = []
    for truth_path in generate(out, count=4, seed=23, modes=("hard",)):
        data = json.loads(truth_path.read_text("utf-8"))
        data["path"] = out / data["file"]
        found.append(data)
    return found
