"""Shared material for the review tests: a generated phone photo with glare over the name and the
certificate code (so a reviewer must type them), its truth, and a registry that holds the doctor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.synth import generate, write_registry_csv


@dataclass(frozen=True)
class Photo:
    """A generated certificate photo, the truth it was rendered from, and a registry holding it."""

    image: Path
    truth: dict[str, str]
    registry: Path


def add_glare(path: Path, box: list[int]) -> None:
    """Whiten a soft patch over `box`, as light reflected by the glass of a frame does."""
    image = Image.open(path).convert("RGB")
    x0, y0, x1, y1 = box
    pad_x, pad_y = (x1 - x0) * 0.4, (y1 - y0) * 0.8
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(6))
    image.paste(Image.new("RGB", image.size, (250, 250, 246)), mask=mask)
    image.save(path, quality=92)


@pytest.fixture(scope="session")
def glare_photo(tmp_path_factory: pytest.TempPathFactory) -> Photo:
    out = tmp_path_factory.mktemp("review-photo")
    [truth_path] = generate(out, count=1, seed=5, modes=("photo",))
    data = json.loads(truth_path.read_text("utf-8"))
    image = out / data["file"]
    for key in ("name", "certificate_code"):
        add_glare(image, data["boxes"][key])
    csv_path = out / "roster.csv"
    write_registry_csv([data["fields"]], csv_path)
    store = SqliteRegistry.create(out / "registry.db")
    import_csv(csv_path, store)
    store.close()
    return Photo(image, data["fields"], out / "registry.db")
